import { type StartedContainers, startContainersIfPossible } from './infra';

declare global {
  var __airisContainers: StartedContainers | undefined;
}

/**
 * Jest global setup: use KAFKA_BROKERS / MONGODB_URI when set (npm test sets them after
 * infra:up); otherwise start containers when a Docker engine answers. Workers inherit the env.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env['KAFKA_BROKERS'] && process.env['MONGODB_URI']) return;
  const started = await startContainersIfPossible();
  if (!started) return; // integration specs then fail with instructions; unit specs run as usual
  globalThis.__airisContainers = started;
  process.env['KAFKA_BROKERS'] = started.endpoints.kafkaBrokers;
  process.env['MONGODB_URI'] = `${started.endpoints.mongoUri}airis`;
}
