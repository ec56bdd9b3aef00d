import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { counter } from '@airis/observability';
import { InsertBatcher } from '@airis/persistence';
import { WebhookReceiverEnv } from '../webhook-receiver.env';
import { redactBody, redactHeaders } from './redact';

/**
 * One verified delivery as the service reads it back: the dedup state and the redacted raw
 * payload kept for replay, both until `expiresAt`.
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

export const DELIVERIES_COLLECTION = 'webhook_deliveries';
export const ACCEPTANCES_COLLECTION = 'webhook_delivery_acceptances';

/** What a claim stores once; never rewritten on the hot path. */
interface DeliveryRecord {
  source_id: string;
  provider: string;
  delivery_id: string;
  received_at: number;
  headers: Record<string, string>;
  body: string;
  body_truncated: boolean;
  body_bytes: number;
}

/**
 * `webhook_deliveries`: the claim, `_id` = `<source>/<delivery id>` (unique). `token` names this
 * claim; a takeover replaces it. The payload is one JSON string (`record`): FerretDB's cost is
 * per stored value, and nothing filters on the payload. Documents written before `token`
 * existed carry `state` and the payload as fields; they are still read.
 */
interface ClaimDoc {
  _id: string;
  token?: string;
  lease_until: Date;
  expiresAt: Date;
  record?: string;
  replays?: string[];
  // Earlier layout (read only).
  state?: 'processing' | 'accepted';
  source_id?: string;
  provider?: string;
  delivery_id?: string;
  received_at?: Date;
  headers?: Record<string, string>;
  body?: string;
  body_truncated?: boolean;
  body_bytes?: number;
}

/**
 * `webhook_delivery_acceptances`: `_id` = `<claim _id>#<token>`, inserted once the claim with that
 * token was published. An insert, not an update of the claim: FerretDB (SQLite) finds an `_id`
 * for an update by scanning the collection, while an insert with a unique `_id` is cheap.
 */
interface AcceptanceDoc {
  _id: string;
  expiresAt: Date;
}

/** A claim this process holds: what `accept` and `release` need, without reading it back. */
export interface Claim {
  key: string;
  token: string;
  expiresAt: Date;
}

export type ClaimResult = { status: 'claimed'; claim: Claim } | { status: 'duplicate' } | { status: 'in_progress' };

const swept = counter('airis_webhook_deliveries_swept_total', 'Expired delivery records removed', []);

/** Group commit limits: enough to gather every concurrent request, small enough to stay quick. */
const BATCH_MAX_DOCS = 64;
const BATCH_MAX_BYTES = 4 * 1024 * 1024;

/** Bounds the rare path's re-reads when other requests keep changing the same claim. */
const MAX_CLAIM_ROUNDS = 5;

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number }).code === 11000;
}

export function deliveryKey(sourceId: string, deliveryId: string): string {
  return `${sourceId}/${deliveryId}`;
}

function acceptanceId(key: string, token: string): string {
  return `${key}#${token}`;
}

@Injectable()
export class DeliveryStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryStore.name);
  private readonly claims: Collection<ClaimDoc>;
  private readonly acceptances: Collection<AcceptanceDoc>;
  /** The hot path's two inserts, each grouped with concurrent ones (group commit). */
  private readonly claimInserts: InsertBatcher<ClaimDoc>;
  private readonly acceptanceInserts: InsertBatcher<AcceptanceDoc>;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    @InjectConnection() connection: Connection,
    private readonly env: WebhookReceiverEnv,
  ) {
    this.claims = connection.collection<ClaimDoc>(DELIVERIES_COLLECTION);
    this.acceptances = connection.collection<AcceptanceDoc>(ACCEPTANCES_COLLECTION);
    this.claimInserts = new InsertBatcher(this.claims, {
      maxDocs: BATCH_MAX_DOCS,
      maxBytes: BATCH_MAX_BYTES,
      sizeOf: (doc) => doc._id.length + (doc.record?.length ?? 0),
    });
    this.acceptanceInserts = new InsertBatcher(this.acceptances, {
      maxDocs: BATCH_MAX_DOCS,
      maxBytes: BATCH_MAX_BYTES,
      sizeOf: (doc) => doc._id.length,
    });
  }

  onModuleInit(): void {
    // For the sweeper on MongoDB proper; FerretDB (SQLite) scans either way.
    for (const collection of [this.claims, this.acceptances]) {
      const name = collection.collectionName;
      collection.createIndex({ expiresAt: 1 }).catch((error: unknown) => {
        this.logger.warn(`index on ${name}.expiresAt not created: ${(error as Error).message}`);
      });
    }
    this.sweeper = setInterval(() => {
      this.sweep().catch((error: unknown) => this.logger.warn(`sweep failed: ${(error as Error).message}`));
    }, this.env.WEBHOOK_SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Claims a delivery id: the first claim wins (unique `_id`, one insert); an accepted one is a
   * duplicate; one still processing elsewhere is `in_progress` until its lease runs out (a crash
   * mid-way), after which the next attempt takes it over. Expired records count as absent.
   * Only a repeated delivery id reads anything back.
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
    const cap = this.env.WEBHOOK_PAYLOAD_MAX_BYTES;
    const redacted = cap > 0 ? redactBody(input.body, input.headers['content-type']) : '';
    const truncated = Buffer.byteLength(redacted, 'utf8') > cap;
    const record: DeliveryRecord = {
      source_id: input.sourceId,
      provider: input.provider,
      delivery_id: input.deliveryId,
      received_at: input.now,
      headers: redactHeaders(input.headers),
      body: truncated ? Buffer.from(redacted, 'utf8').subarray(0, cap).toString('utf8') : redacted,
      body_truncated: truncated || cap === 0,
      body_bytes: input.body.length,
    };
    const fresh = (): ClaimDoc & { token: string } => ({
      _id: key,
      token: randomUUID(),
      lease_until: new Date(input.now + this.env.WEBHOOK_PROCESSING_LEASE_MS),
      expiresAt: new Date(input.now + this.env.WEBHOOK_RETENTION_HOURS * 3_600_000),
      record: JSON.stringify(record),
    });
    const held = (doc: ClaimDoc & { token: string }): ClaimResult => ({
      status: 'claimed',
      claim: { key, token: doc.token, expiresAt: doc.expiresAt },
    });

    const now = new Date(input.now);
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
      const doc = fresh();
      try {
        await this.claimInserts.insert(doc);
        return held(doc);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      // The delivery id was seen before (rare): read the claim and decide. These reads scan on
      // FerretDB (SQLite), which is acceptable for retries and redeliveries.
      const existing = await this.claims.findOne(
        { _id: key },
        { projection: { token: 1, state: 1, lease_until: 1, expiresAt: 1 } },
      );
      if (!existing) continue; // released or swept meanwhile: insert again
      const sameClaim = { _id: key, token: existing.token ?? { $exists: false as const } };
      if (existing.expiresAt.getTime() < now.getTime()) {
        // Past retention: as if absent. Conditional on the claim read, as every takeover is.
        const taken = await this.claims.replaceOne({ ...sameClaim, expiresAt: { $lt: now } }, doc);
        if (taken.modifiedCount === 1) return held(doc);
        continue;
      }
      if (await this.isAccepted(existing)) return { status: 'duplicate' };
      if (existing.lease_until.getTime() >= now.getTime()) return { status: 'in_progress' };
      // The attempt that holds it crashed (its lease ran out unaccepted): take it over, on the
      // condition that the claim is still the one read. Should that attempt still accept later,
      // its acceptance names its own token and does not count; its release deletes nothing.
      const taken = await this.claims.replaceOne({ ...sameClaim, lease_until: { $lt: now } }, doc);
      if (taken.modifiedCount === 1) return held(doc);
    }
    return { status: 'in_progress' };
  }

  /** Records that a claim was published: later claims of its delivery id are duplicates. */
  async accept(claim: Claim): Promise<void> {
    try {
      await this.acceptanceInserts.insert({ _id: acceptanceId(claim.key, claim.token), expiresAt: claim.expiresAt });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error; // accepted twice: already recorded
    }
  }

  /** Gives a claim back after a failure, so the sender's retry is processed. */
  async release(claim: Claim): Promise<void> {
    // Only this claim: one taken over meanwhile belongs to another attempt.
    await this.claims.deleteOne({ _id: claim.key, token: claim.token });
  }

  async find(key: string): Promise<StoredDelivery | null> {
    const doc = await this.claims.findOne({ _id: key });
    if (!doc || doc.expiresAt.getTime() < Date.now()) return null;
    const record: DeliveryRecord =
      doc.record !== undefined
        ? (JSON.parse(doc.record) as DeliveryRecord)
        : {
            source_id: doc.source_id ?? '',
            provider: doc.provider ?? '',
            delivery_id: doc.delivery_id ?? '',
            received_at: doc.received_at?.getTime() ?? 0,
            headers: doc.headers ?? {},
            body: doc.body ?? '',
            body_truncated: doc.body_truncated ?? true,
            body_bytes: doc.body_bytes ?? 0,
          };
    return {
      ...record,
      _id: doc._id,
      state: (await this.isAccepted(doc)) ? 'accepted' : 'processing',
      lease_until: doc.lease_until,
      received_at: new Date(record.received_at),
      expiresAt: doc.expiresAt,
      replays: doc.replays ?? [],
    };
  }

  async markReplayed(key: string, commandId: string): Promise<void> {
    await this.claims.updateOne({ _id: key }, { $addToSet: { replays: commandId } });
  }

  /** Deletes expired records (FerretDB has no TTL monitor we can rely on). */
  async sweep(now = new Date()): Promise<number> {
    const result = await this.claims.deleteMany({ expiresAt: { $lt: now } });
    await this.acceptances.deleteMany({ expiresAt: { $lt: now } });
    if (result.deletedCount > 0) swept.inc(result.deletedCount);
    return result.deletedCount;
  }

  private async isAccepted(doc: Pick<ClaimDoc, '_id' | 'token' | 'state'>): Promise<boolean> {
    if (doc.token === undefined) return doc.state === 'accepted';
    return (
      (await this.acceptances.findOne({ _id: acceptanceId(doc._id, doc.token) }, { projection: { _id: 1 } })) !== null
    );
  }
}
