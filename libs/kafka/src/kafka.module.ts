import {
  type DynamicModule,
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ReadinessRegistry } from '@airis/observability';
import type { Admin, Kafka } from 'kafkajs';
import { KAFKA_CLIENT, createKafkaClient } from './kafka-client';
import { KafkaConsumerService } from './kafka-consumer.service';
import { KafkaProducer } from './kafka-producer';
import { PartitionAssignments } from './partition-assignments';
import { KAFKA_OPTIONS, type KafkaModuleOptions } from './kafka.options';
import { ensureTopics, waitUntilServed } from './topic-admin';
import { TopicNames } from './topic-names';

@Global()
@Module({})
export class KafkaModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KafkaModule.name);
  private admin: Admin | undefined;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaModuleOptions,
    private readonly topics: TopicNames,
    private readonly readiness: ReadinessRegistry,
  ) {}

  static forRoot(options: KafkaModuleOptions): DynamicModule {
    return {
      module: KafkaModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: KAFKA_OPTIONS, useValue: options },
        { provide: KAFKA_CLIENT, useFactory: () => createKafkaClient(options) },
        { provide: TopicNames, useValue: new TopicNames(options.namespace ?? '') },
        KafkaProducer,
        PartitionAssignments,
        KafkaConsumerService,
      ],
      exports: [KAFKA_CLIENT, KAFKA_OPTIONS, TopicNames, KafkaProducer, PartitionAssignments],
    };
  }

  async onModuleInit(): Promise<void> {
    const admin = this.kafka.admin();
    this.admin = admin;
    this.readiness.register('kafka', async () => {
      const cluster = await admin.describeCluster();
      return { up: cluster.brokers.length > 0, detail: `${cluster.brokers.length} broker(s)` };
    });
    await admin.connect();
    if (this.options.createTopics !== false) {
      const created = await ensureTopics(admin, this.topics, this.options.replicationFactor ?? -1);
      if (created.length > 0) this.logger.log(`created topics: ${created.join(', ')}`);
    }
    await waitUntilServed(admin, this.topics);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect();
  }
}
