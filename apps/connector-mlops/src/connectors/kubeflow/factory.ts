import type { ConnectorFactory } from '@airis/connector-kit';
import { KubeflowSettings, kubeflowDefaults, validateKubeflow } from './config';
import { type KubeflowCheckpoint, KubeflowConnector } from './kubeflow.connector';

/** `kubeflow`: Kubeflow Pipelines runs and experiments (REST API v2beta1). */
export const kubeflowFactory: ConnectorFactory<KubeflowSettings, KubeflowCheckpoint> = {
  type: 'kubeflow',
  family: 'mlops',
  description: 'Kubeflow Pipelines (REST API v2beta1): run outcomes, durations, success rate and run metrics',
  credentialNames: ['token'],
  defaultConfig: kubeflowDefaults,
  validate: validateKubeflow,
  create: (config, deps) => new KubeflowConnector(config, deps),
};
