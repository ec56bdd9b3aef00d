import { SERVICE_PORTS, ServiceEnv, loadConfig } from '@airis/config';
import { ConnectorEnv, ConnectorKitModule } from '@airis/connector-kit';
import type { ServiceDefinition } from '@airis/service';
import { MLOPS_FACTORIES } from './connectors';

/**
 * Pull connector: TensorFlow Serving, TorchServe, KServe/Triton, MLflow, Kubeflow Pipelines.
 * `env` replaces the process environment (tests); connector settings are validated at start.
 */
export function mlopsService(env?: Record<string, string | undefined>): ServiceDefinition {
  const connectorEnv = env ? loadConfig(ConnectorEnv, env) : loadConfig(ConnectorEnv);
  const serviceEnv = env ? loadConfig(ServiceEnv, env) : loadConfig(ServiceEnv);
  return {
    name: 'connector-mlops',
    defaultPort: SERVICE_PORTS['connector-mlops'],
    imports: [ConnectorKitModule.forRoot({ family: 'mlops', factories: MLOPS_FACTORIES, env: connectorEnv })],
    consumer: {
      // The group is what shards the integrations: namespaced like the topics, so two
      // deployments (or two test files) sharing a cluster never split each other's partitions.
      groupId: `${serviceEnv.AIRIS_TOPIC_NAMESPACE}airis.connector-mlops`,
      topics: ['commands'],
      sessionTimeoutMs: connectorEnv.CONNECTOR_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: connectorEnv.CONNECTOR_HEARTBEAT_INTERVAL_MS,
    },
    ...(env ? { env } : {}),
  };
}
