import { Injectable, Logger } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';

interface BucketDoc {
  _id: string;
  tokens: number;
  refilled_at: number;
  v: number;
}

interface LocalLease {
  tokens: number;
  expiresAt: number;
  deniedUntil: number;
  leasing?: Promise<void>;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** How long leased tokens stay usable by the replica that leased them. */
const LEASE_MS = 1_000;

/**
 * Per-key token buckets shared by every replica (DESIGN.md §5). The bucket lives in MongoDB
 * (`gateway_rate_buckets`, one document per key: tokens and last refill time) and is updated by
 * compare-and-set on a version field — FerretDB has no transactions and no update pipelines.
 * A replica does not touch MongoDB per request: it leases a small batch of tokens (a tenth of
 * the per-second rate) and spends them locally; unspent leased tokens lapse after a second, so
 * the sum over all replicas never exceeds the bucket (a replica can only under-admit by at most
 * one lease per second). When the bucket is empty the replica remembers until when, and answers
 * 429 with Retry-After without asking MongoDB again.
 */
@Injectable()
export class RateLimiter {
  private readonly logger = new Logger(RateLimiter.name);
  private readonly buckets: Collection<BucketDoc>;
  private readonly local = new Map<string, LocalLease>();

  constructor(@InjectConnection() connection: Connection) {
    this.buckets = connection.collection<BucketDoc>('gateway_rate_buckets');
  }

  async take(keyId: string, ratePerSecond: number, burst: number): Promise<RateDecision> {
    let lease = this.local.get(keyId);
    if (!lease) {
      lease = { tokens: 0, expiresAt: 0, deniedUntil: 0 };
      this.local.set(keyId, lease);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = Date.now();
      if (lease.tokens > 0 && now < lease.expiresAt) {
        lease.tokens--;
        return { allowed: true };
      }
      if (now < lease.deniedUntil) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((lease.deniedUntil - now) / 1000)) };
      }
      // One lease request per key and replica at a time; concurrent requests wait for it.
      lease.leasing ??= this.lease(keyId, lease, ratePerSecond, burst).finally(() => {
        if (lease) lease.leasing = undefined;
      });
      await lease.leasing;
    }
    const now = Date.now();
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((lease.deniedUntil - now) / 1000)) };
  }

  private async lease(keyId: string, lease: LocalLease, rate: number, burst: number): Promise<void> {
    const want = Math.max(1, Math.min(burst, Math.ceil(rate / 10)));
    for (let attempt = 0; attempt < 8; attempt++) {
      const now = Date.now();
      const doc = await this.buckets.findOne({ _id: keyId });
      if (!doc) {
        try {
          await this.buckets.insertOne({ _id: keyId, tokens: burst, refilled_at: now, v: 0 });
        } catch {
          // Another replica created it: read again.
        }
        continue;
      }
      const available = Math.min(burst, doc.tokens + (Math.max(0, now - doc.refilled_at) / 1000) * rate);
      const grant = Math.min(want, Math.floor(available));
      if (grant < 1) {
        lease.tokens = 0;
        lease.deniedUntil = now + Math.ceil(((1 - available) / rate) * 1000);
        return;
      }
      const result = await this.buckets.updateOne(
        { _id: keyId, v: doc.v },
        { $set: { tokens: available - grant, refilled_at: now }, $inc: { v: 1 } },
      );
      if (result.modifiedCount === 1) {
        lease.tokens = grant;
        lease.expiresAt = now + LEASE_MS;
        lease.deniedUntil = 0;
        return;
      }
    }
    // Heavy contention: fail closed for a moment rather than spin.
    this.logger.warn(`rate bucket of ${keyId} contended; refusing briefly`);
    lease.deniedUntil = Date.now() + 100;
  }
}
