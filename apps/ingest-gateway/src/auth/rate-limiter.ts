import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';

interface ClaimDoc {
  _id: string;
  expiresAt: Date;
}

interface LocalLease {
  tokens: number;
  expiresAt: number;
  deniedUntil: number;
  leasing?: Promise<void>;
  /** The bucket the lease was planned for (a key's rate limit can change). */
  rate: number;
  burst: number;
  plan: ReturnType<typeof bucketPlan>;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const ALLOWED: RateDecision = Object.freeze({ allowed: true });

/** Most chunks a bucket's burst spans (bounds the claim look-up). */
const MAX_WINDOW = 64;

/** How a key's bucket is cut into claimable chunks. */
export function bucketPlan(rate: number, burst: number): { lease: number; chunkMs: number; window: number } {
  // A tenth of a second's worth of tokens per claim, at least 1, at most the burst, and large
  // enough that the burst spans at most MAX_WINDOW chunks.
  const lease = Math.min(burst, Math.max(1, Math.ceil(rate / 10), Math.ceil(burst / MAX_WINDOW)));
  return { lease, chunkMs: (lease / rate) * 1000, window: Math.max(1, Math.floor(burst / lease)) };
}

/**
 * Per-key token buckets shared by every replica (DESIGN.md §5), on the one MongoDB primitive
 * FerretDB 1.24 makes atomic under concurrency: a unique `_id` insert (its conditional
 * updates are not — concurrent compare-and-set updates on one document can all succeed).
 *
 * Time is cut into chunks of `lease / rate` seconds; chunk `c` is worth `lease` tokens and can be
 * claimed once, by inserting `gateway_rate_claims/{key}:{c}`, while it lies within the last
 * `burst / lease` chunks. Any interval of T seconds therefore admits at most burst + rate × T
 * tokens (plus one lease of slack for tokens spent just after their claim) across all replicas:
 * a token bucket. A replica spends a claimed lease locally (no MongoDB per request) and claims
 * the next one in the background before it runs out, so busy keys never wait for MongoDB; when
 * no chunk is free it remembers until the next chunk starts and answers 429 with Retry-After
 * without asking again. Claims carry `expiresAt` and are swept.
 */
@Injectable()
export class RateLimiter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RateLimiter.name);
  private readonly claims: Collection<ClaimDoc>;
  private readonly local = new Map<string, LocalLease>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(@InjectConnection() connection: Connection) {
    this.claims = connection.collection<ClaimDoc>('gateway_rate_claims');
  }

  onModuleInit(): void {
    this.sweeper = setInterval(() => {
      this.claims.deleteMany({ expiresAt: { $lt: new Date() } }).catch((error: unknown) => {
        this.logger.warn(`rate claim sweep failed: ${(error as Error).message}`);
      });
    }, 30_000);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /**
   * One token of the key's bucket. Synchronous while the replica's claimed lease has tokens
   * (the hot path: a Map read and a few comparisons, no promise); a promise only when a claim
   * has to be waited for.
   */
  take(keyId: string, ratePerSecond: number, burst: number): RateDecision | Promise<RateDecision> {
    const lease = this.local.get(keyId);
    if (lease && lease.tokens > 0 && lease.rate === ratePerSecond && lease.burst === burst) {
      const now = Date.now();
      if (now < lease.expiresAt) {
        lease.tokens--;
        if (
          !lease.leasing &&
          now >= lease.deniedUntil &&
          (lease.tokens < lease.plan.lease / 2 || lease.expiresAt - now < lease.plan.chunkMs / 3)
        ) {
          void this.startClaim(keyId, lease, lease.plan);
        }
        return ALLOWED;
      }
    }
    return this.takeSlow(keyId, ratePerSecond, burst);
  }

  private async takeSlow(keyId: string, ratePerSecond: number, burst: number): Promise<RateDecision> {
    let lease = this.local.get(keyId);
    if (!lease) {
      lease = { tokens: 0, expiresAt: 0, deniedUntil: 0, rate: 0, burst: 0, plan: bucketPlan(ratePerSecond, burst) };
      this.local.set(keyId, lease);
    }
    if (lease.rate !== ratePerSecond || lease.burst !== burst) {
      lease.rate = ratePerSecond;
      lease.burst = burst;
      lease.plan = bucketPlan(ratePerSecond, burst);
    }
    const plan = lease.plan;
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = Date.now();
      if (lease.tokens > 0 && now < lease.expiresAt) {
        lease.tokens--;
        if (
          !lease.leasing &&
          now >= lease.deniedUntil &&
          (lease.tokens < plan.lease / 2 || lease.expiresAt - now < plan.chunkMs / 3)
        ) {
          void this.startClaim(keyId, lease, plan);
        }
        return ALLOWED;
      }
      if (now < lease.deniedUntil) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((lease.deniedUntil - now) / 1000)) };
      }
      await this.startClaim(keyId, lease, plan);
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((lease.deniedUntil - Date.now()) / 1000)) };
  }

  /** One claim per key and replica at a time; concurrent callers share it. */
  private startClaim(keyId: string, lease: LocalLease, plan: ReturnType<typeof bucketPlan>): Promise<void> {
    lease.leasing ??= this.claim(keyId, lease, plan)
      .catch((error: unknown) => {
        // MongoDB unreachable: refuse briefly (fail closed) rather than admit without a limit.
        this.logger.warn(`rate bucket of ${keyId} unavailable: ${(error as Error).message}`);
        lease.deniedUntil = Date.now() + 1_000;
      })
      .finally(() => {
        lease.leasing = undefined;
      });
    return lease.leasing;
  }

  private async claim(keyId: string, lease: LocalLease, plan: ReturnType<typeof bucketPlan>): Promise<void> {
    const now = Date.now();
    const current = Math.floor(now / plan.chunkMs);
    const ids: string[] = [];
    for (let c = current - plan.window + 1; c <= current; c++) ids.push(`${keyId}:${c}`);
    const taken = new Set(
      (await this.claims.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray()).map((d) => d._id),
    );
    const expiresAt = new Date((current + plan.window + 1) * plan.chunkMs);
    for (const id of ids) {
      if (taken.has(id)) continue;
      try {
        await this.claims.insertOne({ _id: id, expiresAt });
      } catch (error) {
        if ((error as { code?: number }).code === 11000) continue; // another replica got it
        throw error;
      }
      const at = Date.now();
      // Unspent tokens of the previous claim stay usable with the new one; all came out of the bucket.
      lease.tokens = (at < lease.expiresAt ? lease.tokens : 0) + plan.lease;
      lease.expiresAt = at + Math.max(plan.chunkMs, 250);
      lease.deniedUntil = 0;
      return;
    }
    // Every chunk of the window is claimed: the next one starts at the next boundary.
    if (lease.tokens > 0 && Date.now() < lease.expiresAt) {
      lease.deniedUntil = (current + 1) * plan.chunkMs; // keep spending; no claim before then
      return;
    }
    lease.tokens = 0;
    lease.deniedUntil = (current + 1) * plan.chunkMs;
  }
}
