import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AlertDto, DeliveryAttemptDto, NotificationRequestDto } from '@airis/contracts';
import type { BatchContext, ConsumedRecord, DeferredBatchResult } from '@airis/kafka';
import { counter } from '@airis/observability';
import { AppError, backoffDelay, sleep } from '@airis/resilience';
import { DEFAULT_PAGED_SEVERITIES } from '../channels/pagerduty.render';
import { subscriptionMatches } from '../channels/subscription';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../notifier.config';
import { ReceiverRegistry } from '../receiver.registry';
import { type DeliveryChannel, type DeliveryDoc, DeliveryStore, type LogEntry } from './delivery.store';
import { DeliveryDispatcher } from './delivery.dispatcher';
import { rememberPayload } from './prepare-request';
import { type AttemptOutcome, SendDeliveryUseCase } from './send-delivery.usecase';

const accepted = counter('airis_notifier_deliveries_accepted_total', 'Deliveries stored for sending', ['channel']);
const duplicates = counter('airis_notifier_deliveries_duplicate_total', 'Deliveries already stored (redelivered)', []);

/** Tries of a failing store before the batch is given back to Kafka (backoff 200 ms → ~10 s). */
const STORE_ATTEMPTS = 8;

/** How many recently stored delivery ids a process remembers (~100 bytes each). */
const RECENT_IDS = 100_000;

const CHANNEL_ORDER = ['slack', 'pagerduty', 'teams', 'discord', 'telegram', 'email', 'webhook'] as const;

/**
 * A delivery as consumed, pending and due now; its consumed payload is remembered for its
 * first try (no JSON.parse there).
 */
function freshDelivery(
  value: unknown,
  enqueuedAt: number,
  fields: Pick<DeliveryDoc, '_id' | 'notification_id' | 'receiver' | 'channel' | 'alert_id' | 'alert_ids' | 'payload'>,
): DeliveryDoc {
  const now = new Date();
  const doc: DeliveryDoc = {
    ...fields,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    created_at: now,
    updated_at: now,
    enqueued_at: new Date(enqueuedAt),
  };
  rememberPayload(doc, value);
  return doc;
}

/** A fresh delivery after its first try: what to store, and the attempt to log (if one was made). */
interface Tried {
  doc: DeliveryDoc;
  record?: DeliveryAttemptDto;
  /** Its next due time when it stays pending (retry, rate slot, open breaker). */
  next?: Date;
}

/**
 * Turns a batch of notifications (or alert changes) of one partition into deliveries, one per
 * channel target, with deterministic ids (the dedup key), sends each once right away, and stores
 * each in the state that try left it in — delivered, pending with its next due time, or dead —
 * before the consumer commits the batch's offsets. See README "Durability".
 */
@Injectable()
export class EnqueueUseCase {
  private readonly logger = new Logger(EnqueueUseCase.name);
  /** Per `topic/partition`: the highest offset whose deliveries are known stored, and for which group join. */
  private readonly marks = new Map<string, { epoch: number; offset: number }>();
  /**
   * Ids of the deliveries this process stored (or found stored) lately, oldest first: a record
   * appended twice is not tried twice. (Looking ids up in MongoDB instead costs a scan on
   * FerretDB 1.24, which pushes down neither `$in` nor an `_id` equality: measured 5–10 ms per
   * lookup at 1 000 deliveries, 50–100 ms at 10 000.)
   */
  private readonly recent = new Set<string>();
  /**
   * Per `topic/partition`: the store of its latest batch (stores of a partition go in order),
   * and the first offset of a batch whose store gave up (nothing after it is stored until the
   * partition is consumed again from there).
   */
  private readonly lanes = new Map<string, { tail: Promise<void>; failedFrom?: number }>();
  /** Being tried or stored by a batch right now. */
  private readonly trying = new Set<string>();
  /** Tried but not yet stored (the store failed, the batch is retried): stored, not sent again. */
  private readonly unstored = new Map<string, Tried>();
  private sending = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly store: DeliveryStore,
    private readonly registry: ReceiverRegistry,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly sender: SendDeliveryUseCase,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
  ) {}

  notifications(records: ConsumedRecord<NotificationRequestDto>[], batch: BatchContext): Promise<DeferredBatchResult> {
    return this.accept(records, batch, (r) => this.notificationDocs(r.value, r.timestamp));
  }

  alertChanges(records: ConsumedRecord<AlertDto>[], batch: BatchContext): Promise<DeferredBatchResult> {
    return this.accept(records, batch, (r) => this.alertDocs(r.value, r.envelope.id, r.timestamp));
  }

  notificationDocs(n: NotificationRequestDto, enqueuedAt: number): DeliveryDoc[] {
    const receiver = this.registry.receiver(n.receiver);
    if (!receiver) {
      // Dead-lettered with the reason; `airis dlq replay` sends it again once the receiver exists.
      throw AppError.permanent('receiver_unknown', `no receiver named ${n.receiver}`);
    }
    if (receiver.spec.enabled === false) return [];
    const docs: DeliveryDoc[] = [];
    const payload = JSON.stringify(n);
    const base = (channel: DeliveryChannel, alertIds: string[], alertId?: string): DeliveryDoc =>
      freshDelivery(n, enqueuedAt, {
        _id: `${n.id}/${receiver.id}/${channel}${alertId ? `/${alertId}` : ''}`,
        notification_id: n.id,
        receiver: receiver.id,
        channel,
        ...(alertId ? { alert_id: alertId } : {}),
        alert_ids: alertIds,
        payload,
      });
    const alertIds = n.alerts.map((a) => a.id);
    for (const channel of CHANNEL_ORDER) {
      if (!receiver.spec[channel]) continue;
      if (channel === 'pagerduty') {
        const paged = receiver.spec.pagerduty?.severities ?? DEFAULT_PAGED_SEVERITIES;
        for (const alert of n.alerts) {
          if (paged.includes(alert.severity)) docs.push(base('pagerduty', [alert.id], alert.id));
        }
      } else {
        docs.push(base(channel, alertIds));
      }
    }
    return docs;
  }

  alertDocs(alert: AlertDto, eventId: string, enqueuedAt: number): DeliveryDoc[] {
    const docs: DeliveryDoc[] = [];
    for (const sub of this.registry.allSubscriptions()) {
      if (!subscriptionMatches(sub, alert)) continue;
      docs.push(
        freshDelivery(alert, enqueuedAt, {
          _id: `${eventId}/subscription/${sub.id}`,
          notification_id: eventId,
          receiver: sub.id,
          channel: 'subscription',
          alert_ids: [alert.id],
          payload: JSON.stringify(alert),
        }),
      );
    }
    return docs;
  }

  /**
   * 1. Records at or below the partition's stored mark were stored by an earlier incarnation
   *    (a crash or rebalance between store and commit): skipped, nothing is sent again.
   * 2. Every other delivery is tried once now (bounded concurrency; SSRF guard, rate slot,
   *    breaker and disabled endpoints as for any attempt).
   * 3. The handler resolves; the consumer goes on with the partition's next batch while this
   *    one is stored in its resulting state with one unordered insert (a duplicate key means
   *    an earlier incarnation stored it first), with the partition's mark after it; then the
   *    attempts go to the delivery log, and pending ones to the claim loop's schedule.
   * `durable` resolves once stored: only then may the consumer commit the batch's offsets.
   */
  private async accept<T>(
    records: ConsumedRecord<T>[],
    batch: BatchContext,
    build: (record: ConsumedRecord<T>) => DeliveryDoc[],
  ): Promise<DeferredBatchResult> {
    const errors: (Error | undefined)[] = records.map(() => undefined);
    const tp = `${batch.topic}/${batch.partition}`;
    const storedUpTo = await this.storedUpTo(tp, batch.epoch);
    const fresh = new Map<string, DeliveryDoc>();
    let markable: number | undefined;
    let failed = false;
    records.forEach((r, i) => {
      const offset = Number(r.offset);
      if (offset <= storedUpTo) {
        duplicates.inc();
        return;
      }
      try {
        for (const d of build(r)) {
          // Tried before but not stored (a failed store, consumed again): stored, not sent again.
          const retriedStore = this.unstored.has(d._id) && !this.trying.has(d._id);
          const known = this.recent.has(d._id) || this.trying.has(d._id) || this.dispatcher.holds(d._id);
          if (known && !retriedStore) duplicates.inc();
          else fresh.set(d._id, d);
        }
      } catch (error) {
        errors[i] = error as Error;
        // A record the consumer dead-letters after we resolve: the mark must not cover it.
        failed = true;
      }
      if (!failed) markable = offset;
    });

    for (const id of fresh.keys()) this.trying.add(id);
    const tried = await Promise.all(
      [...fresh.values()].map((doc) => {
        const stored = this.unstored.get(doc._id);
        return stored ? Promise.resolve(stored) : this.limited(() => this.tryOnce(doc));
      }),
    );
    for (const t of tried) this.unstored.set(t.doc._id, t);
    // Stores of one partition go in order, so a mark never covers a batch that is not stored;
    // after a store gave up, later batches fail too until the partition is consumed again from it.
    const firstOffset = Number(records[0]?.offset ?? 0);
    let lane = this.lanes.get(tp);
    if (!lane || (lane.failedFrom !== undefined && firstOffset <= lane.failedFrom)) {
      lane = { tail: Promise.resolve() };
      this.lanes.set(tp, lane);
    }
    const current = lane;
    const durable = current.tail
      .then(() =>
        this.storeTried(tp, batch.epoch, tried, markable).catch((error: unknown) => {
          current.failedFrom ??= firstOffset;
          throw error;
        }),
      )
      .finally(() => {
        for (const id of fresh.keys()) this.trying.delete(id);
      });
    current.tail = durable;
    return { errors, durable };
  }

  /**
   * Stores tried deliveries in their resulting state, and the partition's mark with them.
   * Retries a failing store with backoff (the sends are not repeated) for a while, then gives
   * up: the consumer consumes the batch again from Kafka and stores the kept outcomes.
   */
  private async storeTried(tp: string, epoch: number, tried: Tried[], markable: number | undefined): Promise<void> {
    // Delivered at the first try: logged, and done once the mark covers it; the rest are held.
    const held = tried.filter((t) => t.doc.status !== 'delivered');
    const log: LogEntry[] = [];
    for (const t of tried) if (t.record) log.push({ delivery_id: t.doc._id, ...t.record });
    let created: boolean[] | undefined;
    for (let attempt = 0; created === undefined; attempt++) {
      try {
        created = await this.store.storeBatch({
          held: held.map((t) => t.doc),
          log,
          // Per group generation: a later incarnation's tries of these records are logged too.
          ...(markable === undefined ? {} : { mark: { tp, offset: markable }, logId: `${tp}@${markable}/${epoch}` }),
        });
      } catch (error) {
        if (attempt + 1 >= STORE_ATTEMPTS) throw error;
        this.logger.warn(`storing ${tried.length} deliveries failed (${(error as Error).message}); retrying`);
        await sleep(backoffDelay(attempt));
      }
    }
    for (const t of tried) {
      this.unstored.delete(t.doc._id);
      this.remember(t.doc._id);
    }
    const late: Promise<void>[] = [];
    const stored = new Set<Tried>();
    held.forEach((t, i) => {
      if (created[i]) return;
      // An earlier incarnation stored it first (the same notification appended twice): it stays
      // as stored, except that a definite outcome of ours counts over its pending one.
      stored.add(t);
      duplicates.inc();
      if (t.doc.status !== 'pending') late.push(this.store.setDelivery(t.doc._id, outcomeFields(t.doc), true));
    });
    for (const t of tried) {
      if (!stored.has(t)) accepted.inc({ channel: t.doc.channel });
      if (t.record) this.sender.logAttempt(t.doc._id, t.record, true);
      if (t.next) this.dispatcher.noteDue(t.next);
    }
    await Promise.all(late);
    if (markable !== undefined) this.markStored(tp, epoch, markable);
  }

  private async tryOnce(doc: DeliveryDoc): Promise<Tried> {
    let outcome: AttemptOutcome;
    try {
      outcome = await this.sender.attempt(doc);
    } catch (error) {
      // Endpoint state unreadable (MongoDB trouble): not an attempt, the claim loop tries it soon.
      this.logger.warn(`delivery ${doc._id}: ${(error as Error).message}`);
      outcome = { kind: 'release', at: new Date(Date.now() + this.config.pollIntervalMs) };
    }
    if (outcome.kind === 'release') {
      return { doc: { ...doc, next_attempt_at: outcome.at, lease_owner: null }, next: outcome.at };
    }
    return {
      doc: { ...doc, ...outcome.set, lease_owner: null },
      record: outcome.record,
      ...(outcome.next ? { next: outcome.next } : {}),
    };
  }

  private remember(id: string): void {
    this.recent.add(id);
    if (this.recent.size > RECENT_IDS) {
      for (const old of this.recent) {
        this.recent.delete(old);
        if (this.recent.size <= RECENT_IDS * 0.9) break;
      }
    }
  }

  /** At most NOTIFIER_WORKERS fresh sends at once, over all partitions. */
  private async limited<R>(fn: () => Promise<R>): Promise<R> {
    while (this.sending >= this.config.workers) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.sending++;
    try {
      return await fn();
    } finally {
      this.sending--;
      this.waiting.shift()?.();
    }
  }

  /** Epoch -1: unknown (read it again). A new group join: another member may have stored more. */
  private async storedUpTo(tp: string, epoch: number): Promise<number> {
    const known = this.marks.get(tp);
    if (known && epoch >= 0 && known.epoch === epoch) return known.offset;
    const { offset, recovered } = await this.store.storedMark(tp);
    if (recovered.length > 0) {
      this.logger.warn(`${recovered.length} held deliveries of ${tp} stored from its mark (a crash between the two)`);
      for (const d of recovered) if (d.status === 'pending') this.dispatcher.noteDue(d.next_attempt_at);
    }
    this.marks.set(tp, { epoch, offset });
    return offset;
  }

  private markStored(tp: string, epoch: number, offset: number): void {
    const known = this.marks.get(tp);
    if (known && known.epoch === epoch && known.offset < offset) known.offset = offset;
  }
}

/** The fields a first try settled, for a delivery an earlier incarnation stored as pending. */
function outcomeFields(doc: DeliveryDoc): Partial<DeliveryDoc> {
  const { _id: _ignored, created_at: _c, enqueued_at: _e, payload: _p, ...rest } = doc;
  return rest;
}
