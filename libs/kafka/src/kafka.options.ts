import type { TopicId } from '@airis/contracts';

export interface ConsumerOptions {
  /** Consumer group; replicas of one service share it and split the partitions. */
  groupId: string;
  /** Topics this service consumes; each needs exactly one @KafkaHandler (checked at start). */
  topics: readonly TopicId[];
  /** Partitions processed in parallel (order is kept within a partition). */
  partitionsConsumedConcurrently?: number;
  /** Tries for an error we cannot classify before it goes to the DLQ (recognised outages retry forever). */
  maxUncertainAttempts?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** New groups start from the earliest record (nothing produced before start-up is skipped). */
  fromBeginning?: boolean;
}

export interface KafkaModuleOptions {
  clientId: string;
  brokers: string[];
  /** Prefix of every topic name, e.g. for tests or a shared cluster. */
  namespace?: string;
  /** -1 = the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Create the registry's topics and their DLQs at start. */
  createTopics?: boolean;
  consumer?: ConsumerOptions;
  /**
   * Run the producer in a worker thread (`ProducerThread`): for services that produce a record
   * per unit of work, where kafkajs's encoding would compete with the work on the main thread.
   */
  producerThread?: boolean;
}

export const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');
