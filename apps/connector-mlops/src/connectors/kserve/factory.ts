import type { ConnectorFactory } from '@airis/connector-kit';
import type { StateCheckpoint } from '../shared/probe';
import { KServeSettings, kserveDefaults, validateKServe } from './config';
import { KServeConnector } from './kserve.connector';

/** `kserve`: an InferenceService or any Open Inference Protocol v2 server. */
export const kserveFactory: ConnectorFactory<KServeSettings, StateCheckpoint> = {
  type: 'kserve',
  family: 'mlops',
  description: 'KServe (Open Inference Protocol v2): server and model readiness, metadata, inference latency probe',
  credentialNames: ['token', 'password'],
  defaultConfig: kserveDefaults,
  validate: validateKServe,
  create: (config, deps) => new KServeConnector(config, deps, 'kserve'),
};

/** `triton`: NVIDIA Triton Inference Server, which speaks the same protocol. */
export const tritonFactory: ConnectorFactory<KServeSettings, StateCheckpoint> = {
  ...kserveFactory,
  type: 'triton',
  description: 'Triton Inference Server (Open Inference Protocol v2): readiness, metadata, inference latency probe',
  create: (config, deps) => new KServeConnector(config, deps, 'triton'),
};
