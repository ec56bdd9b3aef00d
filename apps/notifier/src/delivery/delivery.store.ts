import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { DeliveryAttemptDto } from '@airis/contracts';
import type { Collection, Filter, UpdateFilter } from 'mongodb';
import type { Connection } from 'mongoose';
import { GroupCommit, insertManyUnique, insertUnique, isDuplicateKey } from '@airis/persistence';
import type { RateSlotDoc } from './rate-slots';

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

/** One attempt in the delivery log: the published record and the delivery it belongs to. */
export interface LogEntry extends DeliveryAttemptDto {
  delivery_id: string;
}

/**
 * The delivery log, a document per write: the attempts of one stored batch (or of one linger of
 * the claim loop's attempts) as a JSON array in one string. FerretDB's cost is per stored value
 * (measured ~40 µs per attempt as a sub-document, ~8 µs per attempt inside one string), and
 * nothing queries the log by field: readers parse `entries` (see `logOf`).
 */
export interface LogDoc {
  _id: string;
  at: Date;
  count: number;
  entries: string;
  expiresAt: Date;
}

/** How long the delivery log is kept. */
const LOG_RETENTION_MS = 30 * 24 * 3_600_000;

/**
 * "Every delivery of `tp` (topic/partition) up to `offset` is stored": written after each
 * consumed batch's deliveries are, read when a partition is (re)assigned.
 */
export interface MarkDoc {
  _id: string;
  tp: string;
  offset: number;
  expiresAt: Date;
  /**
   * The batch's deliveries that stay in `notifier_deliveries` (pending or dead), as JSON: they are
   * inserted right after the mark, and again from the partition's highest mark when it is
   * assigned (duplicates ignored), so a crash between the two writes loses none of them.
   */
  held?: string;
}

/** Marks outlive the topics' 7-day retention: older records cannot be redelivered. */
const MARK_RETENTION_MS = 8 * 24 * 3_600_000;

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
  private readonly outcomes = new GroupCommit<{ id: string; set: Partial<DeliveryDoc>; onlyPending: boolean }, void>(
    (updates) => this.writeOutcomes(updates),
    { maxItems: 500, gather: true },
  );
  private readonly inserts = new GroupCommit<StoredBatch, boolean[]>((batches) => this.writeInserts(batches), {
    maxItems: 100,
    gather: true,
  });

  constructor(@InjectConnection() private readonly connection: Connection) {}

  /**
   * Sets fields of one delivery (an attempt's outcome, a release). Writes are group-committed:
   * those arriving while a bulk write is in flight go together in the next one, which costs
   * FerretDB far less than as many single updates racing for its one writer. Resolves once
   * this delivery's update is stored.
   */
  setDelivery(id: string, set: Partial<DeliveryDoc>, onlyPending = false): Promise<void> {
    return this.outcomes.submit({ id, set, onlyPending });
  }

  private async writeOutcomes(updates: { id: string; set: Partial<DeliveryDoc>; onlyPending: boolean }[]) {
    await this.deliveries.bulkWrite(
      updates.map((o) => ({
        updateOne: {
          filter: o.onlyPending ? { _id: o.id, status: 'pending' as const } : { _id: o.id },
          update: { $set: o.set },
        },
      })),
      { ordered: false },
    );
    return updates.map(() => undefined);
  }

  get deliveries(): Collection<DeliveryDoc> {
    return this.db().collection<DeliveryDoc>('notifier_deliveries');
  }

  /** The delivery log (`LogDoc`s). */
  get log(): Collection<LogDoc> {
    return this.db().collection<LogDoc>('notifier_attempts');
  }

  get endpoints(): Collection<EndpointDoc> {
    return this.db().collection<EndpointDoc>('notifier_endpoints');
  }

  get leases(): Collection<{ _id: string; owner: string; until: Date; expiresAt: Date }> {
    return this.db().collection('notifier_leases');
  }

  /** Claimed windows of per-endpoint rate limits, shared by the replicas (`RateSlots`). */
  get rateSlots(): Collection<RateSlotDoc> {
    return this.db().collection<RateSlotDoc>('notifier_rate_slots');
  }

  get marks(): Collection<MarkDoc> {
    return this.db().collection<MarkDoc>('notifier_marks');
  }

  /**
   * The highest stored mark of `tp` (-1 when none; scans the marks of `tp`, on assignment only),
   * and the held deliveries of that mark's batch, inserted again (duplicates ignored) so that a
   * crash between the mark and their insert loses none: those it created are returned (the
   * caller schedules them).
   */
  async storedMark(tp: string): Promise<{ offset: number; recovered: DeliveryDoc[] }> {
    const docs = await this.marks.find({ tp }, { projection: { offset: 1 } }).toArray();
    const top = docs.reduce<{ _id: string; offset: number } | undefined>(
      (max, d) => (max === undefined || d.offset > max.offset ? d : max),
      undefined,
    );
    if (!top) return { offset: -1, recovered: [] };
    const mark = await this.marks.findOne({ _id: top._id });
    return { offset: top.offset, recovered: mark ? await this.storeHeld(mark) : [] };
  }

  /**
   * Inserts the held deliveries of a mark (duplicates ignored), then drops them from it; returns
   * those this call created.
   */
  private async storeHeld(mark: MarkDoc): Promise<DeliveryDoc[]> {
    if (!mark.held) return [];
    const held = parseHeld(mark.held);
    const created = await insertManyUnique(this.deliveries, held);
    await this.marks.updateOne({ _id: mark._id }, { $unset: { held: '' } });
    return held.filter((_, i) => created[i]);
  }

  /**
   * `storedMark`'s recovery for every partition at once (at start and with each sweep): a
   * partition that gets no new records after a crash is not consumed, so nothing else would.
   */
  async storeAllHeld(): Promise<DeliveryDoc[]> {
    const docs = await this.marks.find({}, { projection: { tp: 1, offset: 1 } }).toArray();
    const top = new Map<string, { _id: string; offset: number }>();
    for (const d of docs) if ((top.get(d.tp)?.offset ?? -1) < d.offset) top.set(d.tp, d);
    const recovered: DeliveryDoc[] = [];
    for (const t of top.values()) {
      const mark = await this.marks.findOne({ _id: t._id, held: { $exists: true } });
      if (mark) recovered.push(...(await this.storeHeld(mark)));
    }
    return recovered;
  }

  /** Deletes every mark below its partition's highest (only the highest says anything). */
  async pruneMarks(): Promise<number> {
    const docs = await this.marks.find({}, { projection: { tp: 1, offset: 1 } }).toArray();
    const top = new Map<string, number>();
    for (const d of docs) top.set(d.tp, Math.max(top.get(d.tp) ?? -1, d.offset));
    const stale = docs.filter((d) => d.offset < (top.get(d.tp) ?? -1)).map((d) => d._id);
    let deleted = 0;
    for (let i = 0; i < stale.length; i += 500) {
      deleted += (await this.marks.deleteMany({ _id: { $in: stale.slice(i, i + 500) } })).deletedCount;
    }
    return deleted;
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
      this.log.createIndex({ expiresAt: 1 }),
      this.leases.createIndex({ expiresAt: 1 }),
    ]);
  }

  /**
   * Stores the outcome of a consumed batch's first tries; resolves, per held delivery, whether
   * this call created it (false: an earlier incarnation stored it first). Group-committed like
   * `setDelivery`: the batches of all partitions being stored at once go together, in order —
   *   1. their attempts, one delivery-log document;
   *   2. their partitions' marks, each with the batch's held deliveries (`MarkDoc.held`);
   *   3. the held deliveries (pending or dead; delivered ones need no document of their own, the
   *      log has them and the mark says they are done), one unordered insertMany.
   * A crash before 2 has the batch consumed and tried again; after 2, the held deliveries are
   * inserted from the mark when the partition is assigned again.
   */
  storeBatch(batch: StoredBatch): Promise<boolean[]> {
    return this.inserts.submit(batch);
  }

  /** One delivery-log document for `entries` (the claim loop's attempts; `storeBatch` logs first tries). */
  async appendLog(entries: LogEntry[]): Promise<void> {
    if (entries.length > 0) await this.log.insertOne(logDoc(entries));
  }

  /** The logged attempts of one delivery, oldest first (scans the log; for operators and tests). */
  async logOf(deliveryId: string): Promise<LogEntry[]> {
    const out: LogEntry[] = [];
    const needle = JSON.stringify(deliveryId);
    for await (const doc of this.log.find({}, { projection: { entries: 1 } })) {
      if (!doc.entries.includes(needle)) continue;
      for (const e of JSON.parse(doc.entries) as LogEntry[]) if (e.delivery_id === deliveryId) out.push(e);
    }
    return out.sort((a, b) => a.timestamp - b.timestamp || a.attempt - b.attempt);
  }

  private async writeInserts(batches: StoredBatch[]): Promise<boolean[][]> {
    // A retried store of the same batch writes its log document once (`logId`).
    const logs = batches.flatMap((b) => (b.log.length > 0 ? [logDoc(b.log, b.logId)] : []));
    if (logs.length > 0) await insertManyUnique(this.log, logs);
    const marks = batches.flatMap((b) => (b.mark ? [markDoc(b.mark.tp, b.mark.offset, b.held)] : []));
    if (marks.length > 0) await insertManyUnique(this.marks, marks);
    const created = await insertManyUnique(
      this.deliveries,
      batches.flatMap((b) => b.held),
    );
    let at = 0;
    return batches.map((b) => created.slice(at, (at += b.held.length)));
  }

  /**
   * Pending deliveries whose due time (a retry's, or an expired lease's) has passed, most
   * overdue first, at most `limit`: one indexed range query for the whole batch.
   */
  async fetchDue(limit: number, now = new Date()): Promise<DeliveryDoc[]> {
    return this.deliveries
      .find({ status: 'pending', next_attempt_at: { $lte: now } }, { sort: { next_attempt_at: 1 }, limit })
      .toArray();
  }

  /**
   * Takes a due delivery for `leaseMs`. FerretDB 1.24 does not make a conditional update or
   * findAndModify atomic (measured: several racers "win"), so the claim is an insert on a unique
   * key — the delivery id plus the due time it was read with — which exactly one claimant wins,
   * in this process or another replica; the winner then moves the due time to the end of its
   * lease. A crashed owner's delivery becomes due again with a new due time, hence a new key
   * (and an owner that died between the two writes leaves an expired lease, which makes the
   * next claimant give the delivery a fresh due time). Returns the leased doc, or null.
   */
  async takeLease(c: DeliveryDoc, owner: string, leaseMs: number): Promise<DeliveryDoc | null> {
    const leaseEnd = new Date(Date.now() + leaseMs);
    const key = `${c._id}@${c.next_attempt_at.getTime()}`;
    const won = await insertUnique(this.leases, {
      _id: key,
      owner,
      until: leaseEnd,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    if (!won) {
      // Its owner died between taking the lease and moving the due time: give it a new one.
      const lease = await this.leases.findOne({ _id: key });
      if (lease && lease.until.getTime() < Date.now()) {
        await this.deliveries.updateOne(
          { _id: c._id, status: 'pending', next_attempt_at: c.next_attempt_at },
          { $set: { next_attempt_at: new Date() } },
        );
      }
      return null;
    }
    await this.deliveries.updateOne({ _id: c._id }, { $set: { next_attempt_at: leaseEnd, lease_owner: owner } });
    return { ...c, next_attempt_at: leaseEnd, lease_owner: owner };
  }

  /** updateOne with upsert that survives a concurrent insert of the same _id (FerretDB). */
  async upsertEndpoint(id: string, update: UpdateFilter<EndpointDoc>): Promise<void> {
    try {
      await this.endpoints.updateOne({ _id: id }, update, { upsert: true });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const { $setOnInsert: _ignored, ...rest } = update;
      await this.endpoints.updateOne({ _id: id }, rest);
    }
  }

  /** Moves dead deliveries back to pending (replay); returns how many. */
  async replay(filter: Filter<DeliveryDoc>): Promise<number> {
    const res = await this.deliveries.updateMany(
      { ...filter, status: 'dead' },
      {
        $set: {
          status: 'pending',
          next_attempt_at: new Date(),
          attempts: 0,
          updated_at: new Date(),
          lease_owner: null,
        },
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

/** What `storeBatch` stores for one consumed batch. */
export interface StoredBatch {
  /** Deliveries that stay pending (retry, release) or ended dead: a document each. */
  held: DeliveryDoc[];
  /** The attempts made. */
  log: LogEntry[];
  /** The partition's new stored mark, when the batch moves it. */
  mark?: { tp: string; offset: number };
  /** Id of the batch's log document, the same on every try of this store (default: random). */
  logId?: string;
}

function markDoc(tp: string, offset: number, held: DeliveryDoc[]): MarkDoc {
  return {
    _id: `${tp}@${offset}`,
    tp,
    offset,
    expiresAt: new Date(Date.now() + MARK_RETENTION_MS),
    ...(held.length > 0 ? { held: JSON.stringify(held) } : {}),
  };
}

function logDoc(entries: LogEntry[], id: string = randomUUID()): LogDoc {
  const at = new Date();
  return {
    _id: id,
    at,
    count: entries.length,
    entries: JSON.stringify(entries),
    expiresAt: new Date(at.getTime() + LOG_RETENTION_MS),
  };
}

const DATE_FIELDS = ['next_attempt_at', 'created_at', 'updated_at', 'enqueued_at', 'delivered_at', 'dead_at'] as const;

/** `MarkDoc.held` back to deliveries (JSON has their dates as strings). */
function parseHeld(held: string): DeliveryDoc[] {
  return (JSON.parse(held) as Record<string, unknown>[]).map((d) => {
    for (const k of DATE_FIELDS) if (typeof d[k] === 'string') d[k] = new Date(d[k]);
    return d as unknown as DeliveryDoc;
  });
}
