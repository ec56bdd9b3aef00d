import { Injectable } from '@nestjs/common';

interface Bucket {
  tokens: number;
  updated: number;
  capacity: number;
}

/**
 * Per-source token buckets (capacity = the per-minute limit, refilled continuously). Kept in
 * memory per replica: N replicas behind a balancer accept up to N times the limit.
 */
@Injectable()
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** 0 when allowed, else the seconds to wait. */
  take(key: string, perMinute: number, now = Date.now()): number {
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.capacity !== perMinute) {
      bucket = { tokens: perMinute, updated: now, capacity: perMinute };
      this.buckets.set(key, bucket);
    }
    const perMs = perMinute / 60_000;
    bucket.tokens = Math.min(bucket.capacity, bucket.tokens + (now - bucket.updated) * perMs);
    bucket.updated = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
  }
}
