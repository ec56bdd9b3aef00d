import type { AnyConnectorFactory } from './connector';
import type { ConnectorEnv } from './connector-env';

export interface ConnectorKitOptions {
  /** The family this service serves (`mlops`...): integrations of other families are ignored. */
  family: string;
  factories: readonly AnyConnectorFactory[];
  env: ConnectorEnv;
}

export const CONNECTOR_KIT_OPTIONS = Symbol('CONNECTOR_KIT_OPTIONS');
