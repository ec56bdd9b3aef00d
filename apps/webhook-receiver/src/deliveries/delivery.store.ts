import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { counter } from '@airis/observability';
import { type Model, Schema } from 'mongoose';
import { WebhookReceiverEnv } from '../webhook-receiver.env';
import { redactBody, redactHeaders } from './redact';

/**
 * One verified delivery: the dedup record (unique `_id` = `<source>/<delivery id>`) and the
 * redacted raw payload kept for replay, both until `expiresAt`.
 */
export interface StoredDelivery {
  _id: string;
  source_id: string;
  provider: string;
  delivery_id: string;
  state: 'processing' | 'accepted';
  lease_until: Date;
  received_at: Date;
  expiresAt: Date;
  headers: Record<string, string>;
  body: string;
  body_truncated: boolean;
  body_bytes: number;
  replays: string[];
}

export const DELIVERY_MODEL = 'WebhookDelivery';

export const DeliverySchema = new Schema<StoredDelivery>(
  {
    _id: String,
    source_id: String,
    provider: String,
    delivery_id: String,
    state: String,
    lease_until: Date,
    received_at: Date,
    expiresAt: { type: Date, index: true },
    headers: { type: Schema.Types.Mixed },
    body: String,
    body_truncated: Boolean,
    body_bytes: Number,
    replays: [String],
  },
  { versionKey: false, collection: 'webhook_deliveries', minimize: false },
);

export type ClaimResult = 'claimed' | 'duplicate' | 'in_progress';

const swept = counter('airis_webhook_deliveries_swept_total', 'Expired delivery records removed', []);

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number }).code === 11000;
}

export function deliveryKey(sourceId: string, deliveryId: string): string {
  return `${sourceId}/${deliveryId}`;
}

@Injectable()
export class DeliveryStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryStore.name);
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    @InjectModel(DELIVERY_MODEL) private readonly deliveries: Model<StoredDelivery>,
    private readonly env: WebhookReceiverEnv,
  ) {}

  onModuleInit(): void {
    this.sweeper = setInterval(() => {
      this.sweep().catch((error: unknown) => this.logger.warn(`sweep failed: ${(error as Error).message}`));
    }, this.env.WEBHOOK_SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Claims a delivery id: the first claim wins (unique `_id`); an accepted one is a duplicate;
   * one still processing elsewhere is `in_progress` until its lease runs out (a crash mid-way),
   * after which the next attempt takes it over. Expired records count as absent.
   */
  async claim(input: {
    sourceId: string;
    provider: string;
    deliveryId: string;
    headers: Record<string, string | undefined>;
    body: Buffer;
    now: number;
  }): Promise<ClaimResult> {
    const key = deliveryKey(input.sourceId, input.deliveryId);
    const now = new Date(input.now);
    const cap = this.env.WEBHOOK_PAYLOAD_MAX_BYTES;
    const redacted = cap > 0 ? redactBody(input.body, input.headers['content-type']) : '';
    const truncated = Buffer.byteLength(redacted, 'utf8') > cap;
    const fresh = {
      source_id: input.sourceId,
      provider: input.provider,
      delivery_id: input.deliveryId,
      state: 'processing' as const,
      lease_until: new Date(input.now + this.env.WEBHOOK_PROCESSING_LEASE_MS),
      received_at: now,
      expiresAt: new Date(input.now + this.env.WEBHOOK_RETENTION_HOURS * 3_600_000),
      headers: redactHeaders(input.headers),
      body: truncated ? Buffer.from(redacted, 'utf8').subarray(0, cap).toString('utf8') : redacted,
      body_truncated: truncated || cap === 0,
      body_bytes: input.body.length,
      replays: [],
    };
    try {
      await this.deliveries.create({ _id: key, ...fresh });
      return 'claimed';
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    // Take over an expired record or a processing one whose lease ran out.
    const taken = await this.deliveries.updateOne(
      {
        _id: key,
        $or: [{ expiresAt: { $lt: now } }, { state: 'processing', lease_until: { $lt: now } }],
      },
      { $set: fresh },
    );
    if (taken.modifiedCount === 1) return 'claimed';
    const existing = await this.deliveries.findById(key).lean();
    if (!existing) return this.claim(input);
    return existing.state === 'accepted' ? 'duplicate' : 'in_progress';
  }

  async accept(sourceId: string, deliveryId: string): Promise<void> {
    await this.deliveries.updateOne({ _id: deliveryKey(sourceId, deliveryId) }, { $set: { state: 'accepted' } });
  }

  /** Gives a claim back after a failure, so the sender's retry is processed. */
  async release(sourceId: string, deliveryId: string): Promise<void> {
    await this.deliveries.deleteOne({ _id: deliveryKey(sourceId, deliveryId), state: 'processing' });
  }

  async find(key: string): Promise<StoredDelivery | null> {
    const doc = await this.deliveries.findById(key).lean();
    return doc && doc.expiresAt.getTime() >= Date.now() ? doc : null;
  }

  async markReplayed(key: string, commandId: string): Promise<void> {
    await this.deliveries.updateOne({ _id: key }, { $addToSet: { replays: commandId } });
  }

  /** Deletes expired records (FerretDB has no TTL monitor we can rely on). */
  async sweep(now = new Date()): Promise<number> {
    const result = await this.deliveries.deleteMany({ expiresAt: { $lt: now } });
    if (result.deletedCount > 0) swept.inc(result.deletedCount);
    return result.deletedCount;
  }
}
