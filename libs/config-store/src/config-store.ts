import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigRecordDto, validateContract } from '@airis/contracts';
import { KAFKA_CLIENT, KAFKA_OPTIONS, KafkaProducer, TopicNames, type KafkaModuleOptions } from '@airis/kafka';
import { ReadinessRegistry, counter } from '@airis/observability';
import { AppError, backoffDelay, sleep } from '@airis/resilience';
import type { Consumer, Kafka } from 'kafkajs';
import { CONFIG_STORE_OPTIONS, type ConfigStoreOptions } from './config-store.options';

/** A configuration resource as services see it (the value of a record on `airis.config.v1`). */
export interface ConfigResource<S = Record<string, unknown>> {
  kind: string;
  id: string;
  revision: number;
  spec: S;
  updated_at: number;
  updated_by?: string;
}

export type ConfigChange<S = Record<string, unknown>> =
  | { type: 'upsert'; kind: string; id: string; resource: ConfigResource<S>; previous?: ConfigResource<S> }
  | { type: 'delete'; kind: string; id: string; previous?: ConfigResource<S> };

export type ConfigListener<S> = (change: ConfigChange<S>) => void | Promise<void>;

export interface PutOptions {
  actor?: string;
  /** Refuse the write (409 at HTTP edges) when the current revision differs. */
  expectedRevision?: number;
}

const applied = counter('airis_config_records_applied_total', 'Configuration records applied', ['kind', 'type']);
const rejected = counter('airis_config_records_rejected_total', 'Configuration records that failed validation', []);

export function configKey(kind: string, id: string): string {
  return `${kind}/${id}`;
}

/**
 * Follows the compacted `airis.config.v1` topic (DESIGN.md §2): every instance reads it from the
 * beginning with its own throw-away consumer group, so each replica holds the whole
 * configuration in memory and sees every change live. Start-up waits until the topic has been
 * read up to its end, so a service never serves with half its configuration. Writes go through
 * Kafka and resolve once this instance has applied them (read-your-writes).
 */
@Injectable()
export class ConfigStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ConfigStore.name);
  private readonly resources = new Map<string, ConfigResource>();
  private changes = 0;
  private readonly listeners = new Map<string, Set<ConfigListener<Record<string, unknown>>>>();
  private readonly waiters: { offset: number; resolve: () => void }[] = [];
  private consumer: Consumer | undefined;
  private appliedOffset = -1;
  private caughtUp = false;
  private readonly topic: string;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(KAFKA_OPTIONS) private readonly kafkaOptions: KafkaModuleOptions,
    @Inject(CONFIG_STORE_OPTIONS) private readonly options: ConfigStoreOptions,
    private readonly producer: KafkaProducer,
    topics: TopicNames,
    private readonly readiness: ReadinessRegistry,
  ) {
    this.topic = topics.of('config');
  }

  async onModuleInit(): Promise<void> {
    this.readiness.register('config', () =>
      Promise.resolve({
        up: this.caughtUp,
        detail: `${this.resources.size} resource(s), offset ${this.appliedOffset}`,
      }),
    );
    const end = await this.endOffset();
    const caughtUp = this.waitForOffset(end - 1);
    const consumer = this.kafka.consumer({
      groupId: `airis.config.${this.kafkaOptions.clientId}.${randomUUID()}`,
      sessionTimeout: 30_000,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        await this.apply(message.key?.toString() ?? '', message.value, Number(message.offset));
      },
    });
    await caughtUp;
    this.caughtUp = true;
    this.logger.log(`configuration loaded: ${this.resources.size} resource(s) up to offset ${end}`);
  }

  /**
   * The topic's end at start-up. A topic created moments ago (first start, a busy broker) can
   * answer NOT_LEADER_FOR_PARTITION or UNKNOWN_TOPIC_OR_PARTITION for a while: retriable errors
   * are retried with backoff for up to a minute, anything else fails the start.
   */
  private async endOffset(): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const offsets = await admin.fetchTopicOffsets(this.topic);
          return Math.max(...offsets.map((o) => Number(o.high)), 0);
        } catch (error) {
          const retriable = (error as { retriable?: boolean }).retriable === true;
          if (!retriable || attempt >= 12) throw error;
          this.logger.warn(`end of ${this.topic} not readable yet (${(error as Error).message}), retrying`);
          await sleep(backoffDelay(attempt, { initialMs: 250, multiplier: 2, maxMs: 5000 }) + 250);
        }
      }
    } finally {
      await admin.disconnect();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
  }

  get ready(): boolean {
    return this.caughtUp;
  }

  list<S = Record<string, unknown>>(kind: string): ConfigResource<S>[] {
    const out: ConfigResource<S>[] = [];
    for (const r of this.resources.values()) if (r.kind === kind) out.push(r as ConfigResource<S>);
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Bumped by every applied change (upsert or delete, any kind): a cache of looked-up resources
   * stays valid while this has not moved, without building a key and reading the map again.
   */
  get generation(): number {
    return this.changes;
  }

  get<S = Record<string, unknown>>(kind: string, id: string): ConfigResource<S> | undefined {
    return this.resources.get(configKey(kind, id)) as ConfigResource<S> | undefined;
  }

  /**
   * Calls `listener` for every existing resource of `kind` (as upserts), then for every change.
   * Listener errors are logged, never thrown into the consumer. Returns an unsubscribe function.
   */
  watch<S = Record<string, unknown>>(kind: string, listener: ConfigListener<S>): () => void {
    const set = this.listeners.get(kind) ?? new Set();
    this.listeners.set(kind, set);
    const l = listener as ConfigListener<Record<string, unknown>>;
    set.add(l);
    for (const resource of this.list(kind)) {
      void this.notify(l, { type: 'upsert', kind, id: resource.id, resource });
    }
    return () => set.delete(l);
  }

  /** Creates or replaces a resource; resolves with it once this instance has applied it. */
  async put<S extends object>(kind: string, id: string, spec: S, options: PutOptions = {}): Promise<ConfigResource<S>> {
    const current = this.get(kind, id);
    if (options.expectedRevision !== undefined && (current?.revision ?? 0) !== options.expectedRevision) {
      throw AppError.permanent(
        'config_conflict',
        `${kind}/${id} is at revision ${current?.revision ?? 0}, not ${options.expectedRevision}`,
      );
    }
    const record: ConfigResource<S> = {
      kind,
      id,
      revision: (current?.revision ?? 0) + 1,
      spec,
      updated_at: Date.now(),
      ...(options.actor ? { updated_by: options.actor } : {}),
    };
    const [meta] = await this.producer.publish('config', configKey(kind, id), record as unknown as ConfigRecordDto, {
      subject: configKey(kind, id),
    });
    await this.waitForOffset(Number(meta?.baseOffset ?? -1));
    return this.get<S>(kind, id) ?? record;
  }

  /** Deletes with a tombstone; false when there was nothing to delete. */
  async delete(kind: string, id: string): Promise<boolean> {
    if (!this.get(kind, id)) return false;
    const [meta] = await this.producer.publish('config', configKey(kind, id), null, { subject: configKey(kind, id) });
    await this.waitForOffset(Number(meta?.baseOffset ?? -1));
    return true;
  }

  private waitForOffset(offset: number): Promise<void> {
    if (offset <= this.appliedOffset) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ offset, resolve }));
  }

  private async apply(key: string, value: Buffer | null, offset: number): Promise<void> {
    try {
      const slash = key.indexOf('/');
      const kind = slash > 0 ? key.slice(0, slash) : '';
      const wanted = !this.options.kinds || this.options.kinds.includes(kind);
      if (kind && wanted) await this.applyRecord(key, kind, key.slice(slash + 1), value);
    } finally {
      this.appliedOffset = offset;
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const w = this.waiters[i];
        if (w && w.offset <= offset) {
          this.waiters.splice(i, 1);
          w.resolve();
        }
      }
    }
  }

  private async applyRecord(key: string, kind: string, id: string, value: Buffer | null): Promise<void> {
    const previous = this.resources.get(key);
    if (value === null) {
      if (!previous) return;
      this.resources.delete(key);
      this.changes++;
      applied.inc({ kind, type: 'delete' });
      await this.emit(kind, { type: 'delete', kind, id, previous });
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(value.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const result = validateContract(ConfigRecordDto, parsed);
    if (!result.ok || result.value.kind !== kind || result.value.id !== id) {
      rejected.inc();
      this.logger.warn(`ignored invalid configuration record ${key}`);
      return;
    }
    const resource = result.value as ConfigResource;
    this.resources.set(key, resource);
    this.changes++;
    applied.inc({ kind, type: 'upsert' });
    await this.emit(kind, { type: 'upsert', kind, id, resource, ...(previous ? { previous } : {}) });
  }

  private async emit(kind: string, change: ConfigChange): Promise<void> {
    for (const listener of this.listeners.get(kind) ?? []) await this.notify(listener, change);
  }

  private async notify(listener: ConfigListener<Record<string, unknown>>, change: ConfigChange): Promise<void> {
    try {
      await listener(change);
    } catch (error) {
      this.logger.error(`configuration listener failed on ${change.kind}/${change.id}: ${(error as Error).message}`);
    }
  }
}
