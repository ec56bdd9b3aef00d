import type { ConnectorFactory } from '@airis/connector-kit';
import type { StateCheckpoint } from '../shared/probe';
import { TfServingSettings, tfServingDefaults, validateTfServing } from './config';
import { TfServingConnector } from './tfserving.connector';

/** `tfserving`: model version status, metadata and a timed predict probe (the seed's collector). */
export const tfServingFactory: ConnectorFactory<TfServingSettings, StateCheckpoint> = {
  type: 'tfserving',
  family: 'mlops',
  description: 'TensorFlow Serving (REST API): model status, metadata, inference latency probe',
  credentialNames: ['token', 'password'],
  defaultConfig: tfServingDefaults,
  validate: validateTfServing,
  create: (config, deps) => new TfServingConnector(config, deps),
};
