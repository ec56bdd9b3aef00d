import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

export interface InfraEndpoints {
  kafkaBrokers: string;
  /** Base URI without a database name. */
  mongoUri: string;
}

/** Base MongoDB URI of a full URI (the harness picks the database per test file). */
export function mongoBase(uri: string): string {
  const url = new URL(uri);
  url.pathname = '/';
  return url.toString();
}

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** The endpoints that `npm test` (infra:up) or the global setup put in the environment. */
export function infraFromEnvironment(env: Record<string, string | undefined> = process.env): InfraEndpoints {
  const kafkaBrokers = env['KAFKA_BROKERS'];
  const mongoUri = env['MONGODB_URI'];
  if (!kafkaBrokers || !mongoUri) {
    throw new Error(
      'KAFKA_BROKERS and MONGODB_URI are not set and no Docker engine answered. Run the tests with `npm test` ' +
        '(it starts the local Kafka and FerretDB), or `npm run infra:up` and export what it prints.',
    );
  }
  return { kafkaBrokers, mongoUri: mongoBase(mongoUri) };
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StartedContainers {
  endpoints: InfraEndpoints;
  stop: () => Promise<void>;
}

/**
 * Where no local infrastructure runs but a Docker engine does: the official apache/kafka (KRaft,
 * single node) and mongo images through testcontainers. Kafka advertises the host port it is
 * mapped to, so that port is chosen before the container starts.
 */
export async function startContainersIfPossible(): Promise<StartedContainers | undefined> {
  if (!dockerAnswers()) return undefined;
  const { GenericContainer, Wait } = await import('testcontainers');
  const kafkaPort = await freePort();
  const kafka = await new GenericContainer('apache/kafka:3.9.1')
    .withExposedPorts({ container: 9092, host: kafkaPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const mongo = await new GenericContainer('mongo:7')
    .withExposedPorts(27017)
    .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
    .start();
  return {
    endpoints: {
      kafkaBrokers: `127.0.0.1:${kafkaPort}`,
      mongoUri: `mongodb://${mongo.getHost()}:${mongo.getMappedPort(27017)}/`,
    },
    stop: async () => {
      await Promise.all([kafka.stop(), mongo.stop()]);
    },
  };
}
