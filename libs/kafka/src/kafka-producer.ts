import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import {
  CE_SPEC_VERSION,
  JSON_CONTENT_TYPE,
  TOPICS,
  type TopicId,
  type TopicPayload,
  encodeEnvelope,
} from '@airis/contracts';
import { counter } from '@airis/observability';
import { CompressionTypes, type Kafka, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import { KAFKA_CLIENT, PRODUCER_CONFIG } from './kafka-client';
import { KAFKA_OPTIONS, type KafkaModuleOptions } from './kafka.options';
import { ProducerThread } from './producer-thread';
import { TopicNames } from './topic-names';
import { traceHeaders } from './trace-context';

export interface PublishOptions {
  /** CloudEvents id; the dedup key downstream. Defaults to a random UUID. */
  id?: string;
  /** CloudEvents source; defaults to `airis-mon/<clientId>`. */
  source?: string;
  subject?: string;
  /** Event time; defaults to now. */
  time?: Date;
  headers?: Record<string, string>;
}

export interface OutgoingRecord<T> extends PublishOptions {
  key: string;
  value: T | null;
}

const produced = counter('airis_kafka_produced_records_total', 'Records acknowledged by Kafka', ['topic']);

/**
 * The idempotent producer (acks=all, one in-flight request so retries cannot reorder a
 * partition). `publish` resolves only once every in-sync replica has the records.
 */
@Injectable()
export class KafkaProducer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KafkaProducer.name);
  private readonly producer: Producer | undefined;
  private readonly thread: ProducerThread | undefined;
  private readonly source: string;

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    @Inject(KAFKA_OPTIONS) options: KafkaModuleOptions,
    readonly topics: TopicNames,
  ) {
    this.source = `airis-mon/${options.clientId}`;
    if (options.producerThread)
      this.thread = new ProducerThread({ clientId: options.clientId, brokers: options.brokers });
    else this.producer = kafka.producer(PRODUCER_CONFIG);
  }

  async onModuleInit(): Promise<void> {
    await (this.thread ? this.thread.connect() : this.producer?.connect());
  }

  /** TEST ONLY: the producer thread, when the producer runs in one. */
  get producerThread(): ProducerThread | undefined {
    return this.thread;
  }

  async onApplicationShutdown(): Promise<void> {
    // kafkajs sends are awaited by their callers, so nothing is buffered here: disconnecting
    // after the consumers have drained is the flush.
    await (this.thread ? this.thread.close() : this.producer?.disconnect());
    this.logger.log('producer disconnected');
  }

  async publish<K extends TopicId>(
    topic: K,
    key: string,
    value: TopicPayload<K> | null,
    options: PublishOptions = {},
  ): Promise<RecordMetadata[]> {
    return this.publishMany(topic, [{ ...options, key, value }]);
  }

  async publishMany<K extends TopicId>(
    topic: K,
    records: OutgoingRecord<TopicPayload<K>>[],
  ): Promise<RecordMetadata[]> {
    const trace = traceHeaders();
    const type = TOPICS[topic].ceType;
    const messages: Message[] = records.map((r) => ({
      key: r.key,
      value: r.value === null ? null : JSON.stringify(r.value),
      headers: {
        ...r.headers,
        ...encodeEnvelope({
          id: r.id ?? randomUUID(),
          source: r.source ?? this.source,
          type,
          time: (r.time ?? new Date()).toISOString(),
          specversion: CE_SPEC_VERSION,
          contentType: JSON_CONTENT_TYPE,
          ...(r.subject === undefined ? {} : { subject: r.subject }),
        }),
        ...trace,
      },
    }));
    return this.sendRaw(this.topics.of(topic), messages);
  }

  /** Sends prepared records as they are (DLQ, replay). */
  async sendRaw(topicName: string, messages: Message[]): Promise<RecordMetadata[]> {
    const result = this.thread
      ? await this.thread.send(topicName, messages)
      : await this.producer!.send({ topic: topicName, messages, acks: -1, compression: CompressionTypes.None });
    produced.inc({ topic: topicName }, messages.length);
    return result;
  }
}
