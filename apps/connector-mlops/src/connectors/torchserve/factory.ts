import type { ConnectorFactory } from '@airis/connector-kit';
import type { StateCheckpoint } from '../shared/probe';
import { TorchServeSettings, torchServeDefaults, validateTorchServe } from './config';
import { TorchServeConnector } from './torchserve.connector';

/** `torchserve`: server health, model workers, timed prediction probe. */
export const torchServeFactory: ConnectorFactory<TorchServeSettings, StateCheckpoint> = {
  type: 'torchserve',
  family: 'mlops',
  description: 'TorchServe (inference and management APIs): health, model workers, inference latency probe',
  credentialNames: ['inference_key', 'management_key'],
  defaultConfig: torchServeDefaults,
  validate: validateTorchServe,
  create: (config, deps) => new TorchServeConnector(config, deps),
};
