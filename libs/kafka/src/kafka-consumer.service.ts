import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { TOPICS, type TopicId } from '@airis/contracts';
import { ReadinessRegistry } from '@airis/observability';
import type { Kafka } from 'kafkajs';
import {
  type BatchHandler,
  ConsumerRunner,
  type RecordHandler,
  type TopicBinding,
  oneAtATime,
} from './consumer-runner';
import { KAFKA_CLIENT } from './kafka-client';
import { KAFKA_BATCH_HANDLER, KAFKA_HANDLER, type KafkaBatchHandlerOptions } from './kafka-handler.decorator';
import { KafkaProducer } from './kafka-producer';
import { PartitionAssignments } from './partition-assignments';
import { KAFKA_OPTIONS, type KafkaModuleOptions } from './kafka.options';
import { TopicNames } from './topic-names';

export class HandlerRegistrationError extends Error {
  override name = 'HandlerRegistrationError';
}

interface Found {
  topic: TopicId;
  where: string;
  handler: RecordHandler;
  /** Set for a @KafkaBatchHandler (then `handler` hands it one record at a time). */
  batchHandler?: BatchHandler;
  deferCommit?: boolean;
}

/**
 * Finds every @KafkaHandler, checks them against the topics the service declared (one handler
 * per topic, none missing, none extra) and runs the consumer. A wrong wiring fails start-up
 * instead of silently dropping a topic.
 */
@Injectable()
export class KafkaConsumerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(KafkaConsumerService.name);
  private runner: ConsumerRunner | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaModuleOptions,
    private readonly topics: TopicNames,
    private readonly producer: KafkaProducer,
    private readonly readiness: ReadinessRegistry,
    private readonly assignments: PartitionAssignments,
  ) {}

  /** Every decorated handler in the application. */
  discoverHandlers(): Found[] {
    const found: Found[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = instance[method];
        if (typeof fn !== 'function') continue;
        const topic = this.reflector.get<TopicId | undefined>(KAFKA_HANDLER, fn as () => unknown);
        if (!topic) continue;
        const where = `${instance.constructor.name}.${method}`;
        const batchOptions = this.reflector.get<KafkaBatchHandlerOptions | undefined>(
          KAFKA_BATCH_HANDLER,
          fn as () => unknown,
        );
        if (batchOptions) {
          const batchHandler: BatchHandler = (records, batch) => (fn as BatchHandler).call(instance, records, batch);
          found.push({
            topic,
            where,
            batchHandler,
            ...(batchOptions.deferCommit ? { deferCommit: true } : {}),
            handler: (record) =>
              oneAtATime(batchHandler, { topic: record.topic, partition: record.partition, epoch: -1 })(record),
          });
          continue;
        }
        found.push({ topic, where, handler: (record) => (fn as RecordHandler).call(instance, record) });
      }
    }
    return found;
  }

  /** Throws listing every wiring problem at once. */
  static checkWiring(declared: readonly TopicId[], found: Found[]): void {
    const problems: string[] = [];
    for (const topic of declared) {
      if (!(topic in TOPICS)) problems.push(`"${topic}" is not a topic of the registry`);
      const handlers = found.filter((f) => f.topic === topic);
      if (handlers.length === 0) problems.push(`topic "${topic}" is consumed but has no @KafkaHandler`);
      if (handlers.length > 1) {
        problems.push(`topic "${topic}" has ${handlers.length} handlers: ${handlers.map((h) => h.where).join(', ')}`);
      }
    }
    for (const f of found) {
      if (!declared.includes(f.topic))
        problems.push(`${f.where} handles "${f.topic}", which this service does not consume`);
    }
    if (problems.length > 0) {
      throw new HandlerRegistrationError(`Kafka handler wiring is wrong:\n  - ${problems.join('\n  - ')}`);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    const found = this.discoverHandlers();
    const consumer = this.options.consumer;
    KafkaConsumerService.checkWiring(consumer?.topics ?? [], found);
    if (!consumer || consumer.topics.length === 0) return;
    const bindings: TopicBinding[] = consumer.topics.map((topicId) => {
      const f = found.find((x) => x.topic === topicId);
      if (!f) throw new HandlerRegistrationError(`no handler for ${topicId}`);
      const binding: TopicBinding = {
        topicId,
        topicName: this.topics.of(topicId),
        spec: TOPICS[topicId],
        handler: f.handler,
      };
      if (f.batchHandler) binding.batchHandler = f.batchHandler;
      if (f.deferCommit) binding.deferCommit = true;
      return binding;
    });
    const kafkaConsumer = this.kafka.consumer({
      groupId: consumer.groupId,
      sessionTimeout: consumer.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: consumer.heartbeatIntervalMs ?? 3000,
      allowAutoTopicCreation: false,
    });
    const { GROUP_JOIN, REBALANCING, STOP, CRASH } = kafkaConsumer.events;
    kafkaConsumer.on(GROUP_JOIN, ({ payload }) => this.assignments.assign(payload.memberAssignment));
    for (const event of [REBALANCING, STOP, CRASH]) kafkaConsumer.on(event, () => this.assignments.revokeAll());
    this.runner = new ConsumerRunner(kafkaConsumer, bindings, {
      groupId: consumer.groupId,
      partitionsConsumedConcurrently: consumer.partitionsConsumedConcurrently ?? 3,
      maxUncertainAttempts: consumer.maxUncertainAttempts ?? 5,
      fromBeginning: consumer.fromBeginning ?? true,
      sendToDlq: (topic, messages) => this.producer.sendRaw(topic, messages),
    });
    const runner = this.runner;
    this.readiness.register('kafka-consumer', () => Promise.resolve(runner.health()));
    await runner.start();
    this.logger.log(`consuming ${bindings.map((b) => b.topicName).join(', ')} as group ${consumer.groupId}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.runner) return;
    await this.runner.stop();
    this.logger.log('consumer stopped and offsets committed');
  }
}
