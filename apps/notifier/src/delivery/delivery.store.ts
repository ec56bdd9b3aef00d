import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection, Filter } from 'mongodb';
import type { Connection } from 'mongoose';

export const DELIVERY_CHANNELS = [
  'slack',
  'pagerduty',
  'teams',
  'discord',
  'telegram',
  'email',
  'webhook',
  'subscription',
] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/** One message to one channel target; `_id` is the dedup key. */
export interface DeliveryDoc {
  _id: string;
  notification_id: string;
  /** Receiver id, or the webhook subscription id. */
  receiver: string;
  channel: DeliveryChannel;
  /** PagerDuty sends one event per alert. */
  alert_id?: string;
  alert_ids: string[];
  /** The notification (or alert change) as received, JSON: rendered at send time. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  lease_owner?: string | null;
  created_at: Date;
  updated_at: Date;
  /** When it entered Kafka (for end-to-end latency). */
  enqueued_at: Date;
  delivered_at?: Date;
  dead_at?: Date;
  dead_reason?: string;
  last_error?: string;
  last_http_status?: number;
  replays?: number;
}

export interface AttemptDoc {
  _id: string;
  delivery_id: string;
  notification_id: string;
  channel: string;
  target: string;
  outcome: string;
  attempt: number;
  http_status?: number;
  latency_ms?: number;
  response_snippet?: string;
  error?: string;
  timestamp: number;
  expiresAt: Date;
}

/** State of one endpoint (a receiver's channel URL) across deliveries. */
export interface EndpointDoc {
  _id: string;
  receiver: string;
  channel: string;
  failing_since?: Date | null;
  last_success_at?: Date;
  disabled: boolean;
  disabled_reason?: string;
  disabled_at?: Date;
}

/** Collections of the notifier (no other service reads them, DESIGN.md §4). */
@Injectable()
export class DeliveryStore implements OnModuleInit {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  get deliveries(): Collection<DeliveryDoc> {
    return this.db().collection<DeliveryDoc>('notifier_deliveries');
  }

  get attempts(): Collection<AttemptDoc> {
    return this.db().collection<AttemptDoc>('notifier_attempts');
  }

  get endpoints(): Collection<EndpointDoc> {
    return this.db().collection<EndpointDoc>('notifier_endpoints');
  }

  get commands(): Collection<{ _id: string; action: string; at: Date; result: Record<string, unknown> }> {
    return this.db().collection('notifier_commands');
  }

  async onModuleInit(): Promise<void> {
    await this.connection.asPromise();
    await Promise.all([
      this.deliveries.createIndex({ status: 1, next_attempt_at: 1 }),
      this.deliveries.createIndex({ alert_ids: 1 }),
      this.deliveries.createIndex({ created_at: 1 }),
      this.attempts.createIndex({ delivery_id: 1 }),
      this.attempts.createIndex({ expiresAt: 1 }),
    ]);
  }

  /** Inserts unless the dedup key exists; true when this call created it. */
  async insertIfAbsent(doc: DeliveryDoc): Promise<boolean> {
    const { _id, ...rest } = doc;
    const res = await this.deliveries.updateOne({ _id }, { $setOnInsert: rest }, { upsert: true });
    return res.upsertedCount === 1;
  }

  /** Atomically takes the most overdue pending delivery for `leaseMs` (other replicas skip it). */
  async claimDue(owner: string, leaseMs: number, now = new Date()): Promise<DeliveryDoc | null> {
    return this.deliveries.findOneAndUpdate(
      { status: 'pending', next_attempt_at: { $lte: now } },
      { $set: { next_attempt_at: new Date(now.getTime() + leaseMs), lease_owner: owner } },
      { sort: { next_attempt_at: 1 }, returnDocument: 'after' },
    );
  }

  async nextDueAt(): Promise<Date | undefined> {
    const next = await this.deliveries.findOne(
      { status: 'pending' },
      { sort: { next_attempt_at: 1 }, projection: { next_attempt_at: 1 } },
    );
    return next?.next_attempt_at;
  }

  /** Moves dead deliveries back to pending (replay); returns how many. */
  async replay(filter: Filter<DeliveryDoc>): Promise<number> {
    const res = await this.deliveries.updateMany(
      { ...filter, status: 'dead' },
      {
        $set: { status: 'pending', next_attempt_at: new Date(), attempts: 0, updated_at: new Date(), lease_owner: null },
        $unset: { dead_at: '', dead_reason: '' },
        $inc: { replays: 1 },
      },
    );
    return res.modifiedCount;
  }

  private db(): NonNullable<Connection['db']> {
    const db = this.connection.db;
    if (!db) throw new Error('MongoDB connection is not open');
    return db;
  }
}
