import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Collection, Filter, OptionalUnlessRequiredId, UpdateFilter } from 'mongodb';
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

/**
 * "Every delivery of `tp` (topic/partition) up to `offset` is stored": written after each
 * consumed batch's deliveries are, read when a partition is (re)assigned.
 */
export interface MarkDoc {
  _id: string;
  tp: string;
  offset: number;
  expiresAt: Date;
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

interface Settle {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Collections of the notifier (no other service reads them, DESIGN.md §4). */
@Injectable()
export class DeliveryStore implements OnModuleInit {
  private outcomes: { id: string; set: Partial<DeliveryDoc>; onlyPending: boolean; done: Settle }[] = [];
  private writingOutcomes = false;
  private inserts: {
    docs: DeliveryDoc[];
    mark?: { tp: string; offset: number };
    resolve: (created: boolean[]) => void;
    reject: (error: Error) => void;
  }[] = [];
  private writingInserts = false;

  constructor(@InjectConnection() private readonly connection: Connection) {}

  /**
   * Sets fields of one delivery (an attempt's outcome, a release). Writes are group-committed:
   * those arriving while a bulk write is in flight go together in the next one, which costs
   * FerretDB far less than as many single updates racing for its one writer. Resolves once
   * this delivery's update is stored.
   */
  setDelivery(id: string, set: Partial<DeliveryDoc>, onlyPending = false): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.outcomes.push({ id, set, onlyPending, done: { resolve, reject } });
      if (!this.writingOutcomes) {
        this.writingOutcomes = true;
        setImmediate(() => void this.writeOutcomes());
      }
    });
  }

  private async writeOutcomes(): Promise<void> {
    while (this.outcomes.length > 0) {
      const batch = this.outcomes.splice(0, 500);
      try {
        await this.deliveries.bulkWrite(
          batch.map((o) => ({
            updateOne: {
              filter: o.onlyPending ? { _id: o.id, status: 'pending' as const } : { _id: o.id },
              update: { $set: o.set },
            },
          })),
          { ordered: false },
        );
        for (const o of batch) o.done.resolve();
      } catch (error) {
        for (const o of batch) o.done.reject(error as Error);
      }
    }
    this.writingOutcomes = false;
  }

  get deliveries(): Collection<DeliveryDoc> {
    return this.db().collection<DeliveryDoc>('notifier_deliveries');
  }

  get attempts(): Collection<AttemptDoc> {
    return this.db().collection<AttemptDoc>('notifier_attempts');
  }

  get endpoints(): Collection<EndpointDoc> {
    return this.db().collection<EndpointDoc>('notifier_endpoints');
  }

  get leases(): Collection<{ _id: string; owner: string; until: Date; expiresAt: Date }> {
    return this.db().collection('notifier_leases');
  }

  get marks(): Collection<MarkDoc> {
    return this.db().collection<MarkDoc>('notifier_marks');
  }

  /** The highest stored mark of `tp`, -1 when none (scans the marks of `tp`; on assignment only). */
  async storedMark(tp: string): Promise<number> {
    const docs = await this.marks.find({ tp }, { projection: { offset: 1 } }).toArray();
    return docs.reduce((max, d) => Math.max(max, d.offset), -1);
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
      this.attempts.createIndex({ delivery_id: 1 }),
      this.attempts.createIndex({ expiresAt: 1 }),
      this.leases.createIndex({ expiresAt: 1 }),
    ]);
  }

  /**
   * Inserts new deliveries; resolves, per doc, whether this call created it — the unique _id
   * decides, the only write FerretDB 1.24 makes exclusive. With `mark`, the partition's stored
   * mark moves to `mark.offset` once the deliveries are in. Group-committed like
   * `setDelivery`: the batches of all partitions being consumed at once go in one unordered
   * insertMany (a redelivered record's existing keys do not stop the others), then their marks
   * in a second one.
   */
  insertNew(docs: DeliveryDoc[], mark?: { tp: string; offset: number }): Promise<boolean[]> {
    if (docs.length === 0) return Promise.resolve([]);
    return new Promise<boolean[]>((resolve, reject) => {
      this.inserts.push({ docs, ...(mark ? { mark } : {}), resolve, reject });
      if (!this.writingInserts) {
        this.writingInserts = true;
        setImmediate(() => void this.writeInserts());
      }
    });
  }

  private async writeInserts(): Promise<void> {
    while (this.inserts.length > 0) {
      const batch = this.inserts.splice(0, 100);
      const docs = batch.flatMap((b) => b.docs);
      const created = docs.map(() => true);
      let failure: unknown;
      try {
        await this.deliveries.insertMany(docs, { ordered: false });
      } catch (error) {
        const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
        const list = Array.isArray(writeErrors) ? (writeErrors as { index: number; code: number }[]) : undefined;
        if (list && list.every((e) => e.code === 11000)) {
          for (const e of list) created[e.index] = false;
        } else if (!list && docs.length === 1 && isDuplicateKey(error)) {
          created[0] = false;
        } else {
          failure = error;
        }
      }
      const marks = batch.flatMap((b) => (b.mark ? [markDoc(b.mark.tp, b.mark.offset)] : []));
      if (!failure && marks.length > 0) {
        try {
          await this.marks.insertMany(marks, { ordered: false });
        } catch (error) {
          const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
          const list = Array.isArray(writeErrors) ? (writeErrors as { code: number }[]) : undefined;
          const allDuplicates = list ? list.every((e) => e.code === 11000) : isDuplicateKey(error);
          if (!allDuplicates) failure = error;
        }
      }
      let at = 0;
      for (const b of batch) {
        if (failure) b.reject(failure as Error);
        else b.resolve(created.slice(at, at + b.docs.length));
        at += b.docs.length;
      }
    }
    this.writingInserts = false;
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

function markDoc(tp: string, offset: number): MarkDoc {
  return { _id: `${tp}@${offset}`, tp, offset, expiresAt: new Date(Date.now() + MARK_RETENTION_MS) };
}

export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number }).code === 11000;
}

/** Inserts; false when the _id exists already. */
export async function insertUnique<T extends { _id: string }>(col: Collection<T>, doc: T): Promise<boolean> {
  try {
    await col.insertOne(doc as OptionalUnlessRequiredId<T>);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
