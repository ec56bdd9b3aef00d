import { randomBytes } from 'node:crypto';
import { type TopicId } from '@airis/contracts';
import { TopicNames, ensureTopics, waitUntilServed } from '@airis/kafka';
import { Kafka, type KafkaMessage, type Message, Partitioners, type Producer, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { infraFromEnvironment } from './infra';
import { pollUntil } from './poll';

export interface CollectedRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface TestContext {
  /** Unique per test file: every topic name starts with it. */
  namespace: string;
  topics: TopicNames;
  kafkaBrokers: string;
  /** Full URI of this file's own database. */
  mongoUri: string;
  database: string;
  kafka: Kafka;
  /** Environment for `startService` pointing at this file's topics and database. */
  serviceEnv(extra?: Record<string, string>): Record<string, string>;
  /** Creates every registry topic (and DLQ) of this namespace; resolves once all serve offsets. */
  createTopics(): Promise<void>;
  /**
   * Writes records as a plain external producer would (no envelope added; idempotent, acks=all).
   * `topic` is a registry id or a full topic name.
   */
  produce(topic: string, messages: Message[]): Promise<void>;
  /** Reads a topic from the beginning, in the background, until `stop`. */
  /** A registry topic id, or a full topic name (anything with a dot). */
  collect(topic: string): Promise<TopicCollector>;
  mongo(): Promise<MongoClient>;
  /** Deletes this file's topics and database. */
  cleanup(): Promise<void>;
}

export interface TopicCollector {
  records: CollectedRecord[];
  /** Waits until at least `count` records arrived (or `predicate` holds) and returns them all. */
  waitFor(count: number, timeoutMs?: number): Promise<CollectedRecord[]>;
  stop(): Promise<void>;
}

function headersToStrings(headers: KafkaMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last !== undefined) out[k] = last.toString();
  }
  return out;
}

/**
 * The harness every int-spec starts from: the real broker and MongoDB-compatible server (local
 * infra, or containers), with topics and a database of the file's own so files never see each
 * other's data.
 */
export function createTestContext(label: string): TestContext {
  const infra = infraFromEnvironment();
  const suffix = randomBytes(4).toString('hex');
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 24);
  const namespace = `t-${slug}-${suffix}.`;
  const database = `t_${slug.replace(/-/g, '_')}_${suffix}`;
  const mongoUri = `${infra.mongoUri}${database}`;
  const topics = new TopicNames(namespace);
  const kafka = new Kafka({
    clientId: `test-${slug}`,
    brokers: infra.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const collectors: TopicCollector[] = [];
  let producer: Promise<Producer> | undefined;
  const topicName = (topic: string): string => (topic.includes('.') ? topic : topics.of(topic as TopicId));
  const clients: MongoClient[] = [];

  const context: TestContext = {
    namespace,
    topics,
    kafkaBrokers: infra.kafkaBrokers,
    mongoUri,
    database,
    kafka,
    serviceEnv: (extra = {}) => ({
      KAFKA_BROKERS: infra.kafkaBrokers,
      MONGODB_URI: mongoUri,
      AIRIS_TOPIC_NAMESPACE: namespace,
      KAFKA_TOPIC_REPLICATION_FACTOR: '1',
      LOG_LEVEL: 'error',
      PORT: '0',
      HEARTBEAT_INTERVAL_MS: '1000',
      ...extra,
    }),
    async createTopics() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        // Creation is idempotent; on a broker busy with other suites it can fail for a moment.
        await pollUntil(() => ensureTopics(admin, topics, 1).then(() => true), {
          timeoutMs: 60_000,
          intervalMs: 500,
          description: `topics of ${namespace} created`,
        });
        // A fresh topic may answer "not the leader" for a while; services read offsets at start
        // (config store, consumers), so specs begin only once every topic serves them.
        await waitUntilServed(admin, topics);
      } finally {
        await admin.disconnect();
      }
    },
    async produce(topic, messages) {
      producer ??= (async () => {
        const p = kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          createPartitioner: Partitioners.DefaultPartitioner,
        });
        await p.connect();
        return p;
      })();
      await (await producer).send({ topic: topicName(topic), messages, acks: -1 });
    },
    async collect(topic) {
      const name = topicName(topic);
      const consumer = kafka.consumer({ groupId: `collector-${randomBytes(4).toString('hex')}` });
      const records: CollectedRecord[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic: name, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          records.push({
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? null,
            headers: headersToStrings(message.headers),
          });
          return Promise.resolve();
        },
      });
      const collector: TopicCollector = {
        records,
        waitFor: (count, timeoutMs = 60_000) =>
          pollUntil(() => records.length >= count && records, {
            timeoutMs,
            description: `${count} record(s) on ${name} (have ${records.length})`,
          }),
        stop: () => consumer.disconnect(),
      };
      collectors.push(collector);
      return collector;
    },
    async mongo() {
      const client = new MongoClient(mongoUri, { serverSelectionTimeoutMS: 5000, retryWrites: false });
      await client.connect();
      clients.push(client);
      return client;
    },
    async cleanup() {
      await Promise.allSettled(collectors.map((c) => c.stop()));
      if (producer) await (await producer).disconnect().catch(() => undefined);
      const admin = kafka.admin();
      try {
        await admin.connect();
        const ours = (await admin.listTopics()).filter((t) => t.startsWith(namespace));
        if (ours.length > 0) await admin.deleteTopics({ topics: ours });
      } catch {
        // best effort: a leftover namespace is harmless
      } finally {
        await admin.disconnect();
      }
      try {
        const client = clients[0] ?? (await context.mongo());
        await client.db(database).dropDatabase();
      } catch {
        // best effort
      }
      await Promise.allSettled(clients.map((c) => c.close()));
    },
  };
  return context;
}
