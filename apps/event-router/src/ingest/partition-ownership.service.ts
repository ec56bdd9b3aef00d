import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { counter } from '@airis/observability';
import type { Collection, Connection } from 'mongoose';
import { AlertLifecycle } from '../alerts/alert-lifecycle.service';
import { Evaluator } from '../domain/evaluator';
import type { Labels } from '../domain/matchers';
import { ROUTER_ENV, type RouterEnv } from '../router.config';

interface Claim {
  _id: string;
  owner: string;
  claimed_at: number;
}

export interface SeenSnapshot {
  _id: string;
  rule_id: string;
  labels: Labels;
  source: string;
  partition_key: string;
  last_seen: number;
}

const handovers = counter('airis_router_partition_claims_total', 'Ingest partitions taken over by this instance', []);

/**
 * Who evaluates the series of an ingest partition: the instance that last consumed a record of
 * it (MongoDB `router_partitions`). Kafka hands a partition to one group member at a time; the
 * claim lets the previous owner notice, within one tick, that it must let go of the windows and
 * alerts it still holds, and lets the new owner load the alerts and absence timers of the
 * partition before evaluating it.
 */
@Injectable()
export class PartitionOwnership implements OnModuleInit {
  private readonly logger = new Logger(PartitionOwnership.name);
  readonly instanceId = randomUUID();
  private readonly owned = new Set<string>();
  private readonly claiming = new Map<string, Promise<void>>();
  private readonly claims: Collection<Claim>;
  readonly seen: Collection<SeenSnapshot>;

  constructor(
    @InjectConnection() connection: Connection,
    private readonly evaluator: Evaluator,
    private readonly lifecycle: AlertLifecycle,
    @Inject(ROUTER_ENV) private readonly env: RouterEnv,
  ) {
    this.claims = connection.collection<Claim>('router_partitions');
    this.seen = connection.collection<SeenSnapshot>('router_last_seen');
  }

  async onModuleInit(): Promise<void> {
    await this.seen.createIndex({ partition_key: 1 });
  }

  owns = (partitionKey: string): boolean => this.owned.has(partitionKey);

  /** Called for every consumed record; a no-op once the partition is ours. */
  ensureOwned(partitionKey: string): Promise<void> | undefined {
    if (this.owned.has(partitionKey)) return undefined;
    let p = this.claiming.get(partitionKey);
    if (!p) {
      p = this.claim(partitionKey).finally(() => this.claiming.delete(partitionKey));
      this.claiming.set(partitionKey, p);
    }
    return p;
  }

  private async claim(partitionKey: string, expectedClaimedAt?: number): Promise<void> {
    const now = Date.now();
    const filter =
      expectedClaimedAt === undefined ? { _id: partitionKey } : { _id: partitionKey, claimed_at: expectedClaimedAt };
    const r = await this.claims.updateOne(
      filter,
      { $set: { owner: this.instanceId, claimed_at: now } },
      { upsert: expectedClaimedAt === undefined },
    );
    if (r.matchedCount === 0 && r.upsertedCount === 0) return;
    await this.lifecycle.loadPartition(partitionKey);
    for (const s of await this.seen.find({ partition_key: partitionKey }).toArray()) {
      this.evaluator.restoreSeen(s.rule_id, s.labels, s.source, partitionKey, s.last_seen);
    }
    this.owned.add(partitionKey);
    handovers.inc();
    this.logger.log(`evaluating ${partitionKey}`);
  }

  /**
   * Once per tick: renew our claims, let go of partitions another instance took, and adopt
   * partitions whose owner vanished (so their open alerts still resolve).
   */
  async refresh(now: number): Promise<void> {
    if (this.owned.size > 0) {
      const mine = [...this.owned];
      for (const c of await this.claims.find({ _id: { $in: mine } }).toArray()) {
        if (c.owner === this.instanceId) continue;
        this.owned.delete(c._id);
        this.evaluator.dropPartition(c._id);
        this.lifecycle.dropPartition(c._id);
        this.logger.log(`${c._id} moved to another instance`);
      }
      await this.claims.updateMany(
        { _id: { $in: [...this.owned] }, owner: this.instanceId },
        { $set: { claimed_at: now } },
      );
    }
    const stale = await this.claims
      .find({ claimed_at: { $lt: now - this.env.ROUTER_CLAIM_TTL_MS }, owner: { $ne: this.instanceId } })
      .limit(50)
      .toArray();
    for (const c of stale) await this.claim(c._id, c.claimed_at);
  }

  /** Persists the last-seen times of absence series, for the next owner of their partition. */
  async flushSeen(): Promise<void> {
    const dirty = [...this.evaluator.dirtySeen];
    this.evaluator.dirtySeen.clear();
    if (dirty.length === 0) return;
    await this.seen.bulkWrite(
      dirty.map((s) => ({
        updateOne: {
          filter: { _id: s.fp },
          update: {
            $set: {
              rule_id: s.rule.id,
              labels: s.labels,
              source: s.source,
              partition_key: s.partitionKey,
              last_seen: s.lastSeen,
            },
          },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }
}
