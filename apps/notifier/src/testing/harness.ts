import { randomBytes, randomUUID } from 'node:crypto';
import type { AlertDto, DeliveryAttemptDto, NotificationRequestDto } from '@airis/contracts';
import { ConfigStore } from '@airis/config-store';
import { KafkaProducer } from '@airis/kafka';
import { SecretBox } from '@airis/security';
import { type RunningService, startService } from '@airis/service';
import type { MongoClient } from 'mongodb';
import { notifierService } from '../service';
import type { LogEntry } from '../delivery/delivery.store';

/*
 * Apps may import `@airis/testing` from spec files only, so the harness states what it needs of
 * the spec's TestContext and takes `pollUntil` from it.
 */
interface Collector {
  records: { value: string | null }[];
}
export interface HarnessContext {
  readonly database: string;
  serviceEnv(extra?: Record<string, string>): Record<string, string>;
  createTopics(): Promise<void>;
  collect(topic: string): Promise<Collector>;
  mongo(): Promise<MongoClient>;
}
export type Poll = <T>(
  probe: () => T | undefined | null | false,
  options: { timeoutMs?: number; description?: string },
) => Promise<T>;

/** Loopback allow-list for receivers pointed at local stand-ins. */
export const LOOPBACK = ['127.0.0.1/32'];

let seq = 0;

/** A firing critical alert with the fields the renderers read; `over` replaces any of them. */
export function testAlert(over: Partial<AlertDto> = {}): AlertDto {
  seq++;
  return {
    id: `alert-${seq}-${randomUUID().slice(0, 8)}`,
    fingerprint: `fp-${seq}`,
    name: `Latency p99 above SLO ${seq}`,
    status: 'firing',
    severity: 'critical',
    description: 'p99 latency 812 ms > 500 ms for 5m',
    source: 'torchserve',
    alert_type: 'latency',
    model_id: 'fraud-v3',
    environment: 'production',
    threshold: 500,
    current_value: 812,
    duration: '5m',
    labels: { team: 'ml' },
    timestamp: Date.now() - 60_000,
    updated_at: Date.now(),
    ...over,
  };
}

export function testNotification(
  receiver: string,
  alerts: AlertDto[],
  status: 'firing' | 'resolved' = 'firing',
): NotificationRequestDto {
  return {
    id: `n-${randomUUID()}`,
    receiver,
    group_key: `{}:{team="ml",r="${receiver}"}`,
    status,
    group_labels: { team: 'ml' },
    alerts,
    timestamp: Date.now(),
  };
}

export interface Parsed<T> {
  at: number;
  value: T;
}

/** The notifier in-process on the real broker and FerretDB, with collectors on its outputs. */
export class NotifierHarness {
  service!: RunningService;
  box!: SecretBox;
  config!: ConfigStore;
  deliveries!: Collector;
  audit!: Collector;
  events!: Collector;

  constructor(
    readonly ctx: HarnessContext,
    private readonly poll: Poll,
  ) {}

  async start(env: Record<string, string> = {}): Promise<this> {
    const serviceEnv = this.ctx.serviceEnv({
      AIRIS_MASTER_KEY: randomBytes(32).toString('base64'),
      AIRIS_DASHBOARD_URL: 'https://airis.example.com',
      NOTIFIER_RETRY_SCHEDULE: '150ms,150ms,150ms',
      NOTIFIER_POLL_INTERVAL_MS: '50',
      NOTIFIER_BREAKER_RESET_MS: '300',
      NOTIFIER_HTTP_TIMEOUT_MS: '5000',
      NOTIFIER_LEASE_MS: '8000',
      ...env,
    });
    // Topics exist (leaders elected) before the config store reads airis.config.v1's end offset.
    await this.ctx.createTopics();
    this.service = await startService(notifierService(serviceEnv));
    this.box = this.service.app.get(SecretBox);
    this.config = this.service.app.get(ConfigStore);
    this.deliveries = await this.ctx.collect('deliveries');
    this.audit = await this.ctx.collect('audit');
    this.events = await this.ctx.collect('events');
    return this;
  }

  async close(): Promise<void> {
    await this.service?.close();
  }

  putReceiver(id: string, spec: Record<string, unknown>): Promise<unknown> {
    return this.config.put('receiver', id, { name: id, ...spec });
  }

  async notify(n: NotificationRequestDto): Promise<void> {
    await this.service.app.get(KafkaProducer).publish('notifications', n.group_key, n, { id: n.id });
  }

  attempts(notificationId: string): DeliveryAttemptDto[] {
    return this.deliveries.records
      .map((r) => JSON.parse(r.value ?? '{}') as DeliveryAttemptDto)
      .filter((a) => a.notification_id === notificationId);
  }

  waitAttempts(
    notificationId: string,
    predicate: (a: DeliveryAttemptDto[]) => boolean,
    what: string,
    timeoutMs = 30_000,
  ): Promise<DeliveryAttemptDto[]> {
    return this.poll(() => predicate(this.attempts(notificationId)) && this.attempts(notificationId), {
      timeoutMs,
      description: what,
    });
  }

  /** Records of `airis.events.v1` / `airis.audit.v1`, parsed. */
  parsed<T>(collector: Collector): T[] {
    return collector.records.map((r) => JSON.parse(r.value ?? '{}') as T);
  }

  /**
   * The stored delivery of a notification: its document while pending or dead (or delivered
   * after a retry); for one delivered at the first try (no document of its own), its id and
   * status from the delivery log.
   */
  async deliveryDoc(notificationId: string): Promise<Record<string, unknown> | null> {
    const db = (await this.ctx.mongo()).db(this.ctx.database);
    const doc = await db.collection('notifier_deliveries').findOne({ notification_id: notificationId });
    if (doc) return doc;
    for (const log of await db.collection<{ entries: string }>('notifier_attempts').find({}).toArray()) {
      const entry = (JSON.parse(log.entries) as LogEntry[]).find((e) => e.notification_id === notificationId);
      if (entry) return { _id: entry.delivery_id, status: entry.outcome, attempts: entry.attempt };
    }
    return null;
  }

  async endpointDoc(endpoint: string): Promise<Record<string, unknown> | null> {
    return (await this.ctx.mongo())
      .db(this.ctx.database)
      .collection<{ _id: string }>('notifier_endpoints')
      .findOne({ _id: endpoint });
  }
}
