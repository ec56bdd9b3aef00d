import type { ConnectorFactory } from '@airis/connector-kit';
import { MlflowSettings, mlflowDefaults, validateMlflow } from './config';
import { type MlflowCheckpoint, MlflowConnector } from './mlflow.connector';

/** `mlflow`: model registry changes and tracked-run metrics from an MLflow tracking server. */
export const mlflowFactory: ConnectorFactory<MlflowSettings, MlflowCheckpoint> = {
  type: 'mlflow',
  family: 'mlops',
  description: 'MLflow tracking server: model registry (versions, stages, aliases) and run metrics',
  credentialNames: ['token', 'password'],
  defaultConfig: mlflowDefaults,
  validate: validateMlflow,
  create: (config, deps) => new MlflowConnector(config, deps),
};
