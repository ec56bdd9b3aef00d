import { SERVICE_PORTS, loadConfig } from '@airis/config';
import { ConnectorEnv, ConnectorKitModule } from '@airis/connector-kit';
import type { ServiceDefinition } from '@airis/service';
import { MLOPS_FACTORIES } from './connectors';

/**
 * Pull connector: TensorFlow Serving, TorchServe, KServe/Triton, MLflow, Kubeflow Pipelines.
 * `env` replaces the process environment (tests); connector settings are validated at start.
 */
export function mlopsService(env?: Record<string, string | undefined>): ServiceDefinition {
  const connectorEnv = env ? loadConfig(ConnectorEnv, env) : loadConfig(ConnectorEnv);
  return {
    name: 'connector-mlops',
    defaultPort: SERVICE_PORTS['connector-mlops'],
    imports: [ConnectorKitModule.forRoot({ family: 'mlops', factories: MLOPS_FACTORIES, env: connectorEnv })],
    consumer: {
      // The group (libs/service names it `<namespace>airis.connector-mlops`) is what shards the
      // integrations: each replica polls the integrations whose command partition it holds.
      topics: ['commands'],
      sessionTimeoutMs: connectorEnv.CONNECTOR_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: connectorEnv.CONNECTOR_HEARTBEAT_INTERVAL_MS,
    },
    ...(env ? { env } : {}),
  };
}
