import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import {
  type Context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  isSpanContextValid,
  trace,
} from '@opentelemetry/api';
import { type TopicId, type TopicSpec, dlqName } from '@airis/contracts';
import { counter, histogram } from '@airis/observability';
import { backoffDelay, classifyError, sleep } from '@airis/resilience';
import type { Consumer, EachBatchPayload, KafkaMessage, Message, RecordMetadata } from 'kafkajs';
import { type DeadLetterReason, deadLetterMessage } from './dead-letter';
import { type ConsumedRecord, type RawRecord, decodeRecord } from './record-decoder';
import { contextFromHeaders } from './trace-context';

export type RecordHandler = (record: ConsumedRecord<unknown>) => Promise<void>;

/** Where a batch comes from. */
export interface BatchContext {
  topic: string;
  partition: number;
  /**
   * Counts this consumer's group joins. A batch with an epoch the handler has not seen for this
   * partition may follow another member's work on it (a rebalance happened in between).
   */
  epoch: number;
}

/** What a batch handler resolves with when the batch's effects become durable later. */
export interface DeferredBatchResult {
  /** Per record: an error that sends that record to the DLQ. */
  errors?: readonly (Error | undefined)[];
  /**
   * Resolves once the batch's effects are durable; only then may its offsets be committed.
   * The partition's next batch is handled meanwhile. Should not reject (retry inside); if it
   * does, the partition is consumed again from this batch.
   */
  durable: Promise<void>;
}

/**
 * Handles the valid records of one batch of one partition (in offset order). Resolves with,
 * per record, an error that sends that record to the DLQ (classified like a thrown one), or
 * nothing when all are done — or, for a binding with `deferCommit`, a `DeferredBatchResult`.
 * Throwing means none is done: the batch is retried like a record.
 */
export type BatchHandler = (
  records: ConsumedRecord<unknown>[],
  batch: BatchContext,
) => Promise<readonly (Error | undefined)[] | DeferredBatchResult | undefined>;

export interface TopicBinding {
  topicId: TopicId;
  topicName: string;
  spec: TopicSpec;
  handler: RecordHandler;
  /** When set, records are handed over a batch at a time (`handler` is the one-record fallback). */
  batchHandler?: BatchHandler;
  /**
   * The batch handler may return a `DeferredBatchResult`. Any such binding switches the whole
   * consumer to commits made by the runner (see README "Deferred commits").
   */
  deferCommit?: boolean;
}

export interface RunnerOptions {
  groupId: string;
  partitionsConsumedConcurrently: number;
  maxUncertainAttempts: number;
  fromBeginning: boolean;
  /** Sends records to a DLQ topic; resolves once Kafka has them. */
  sendToDlq: (topic: string, messages: Message[]) => Promise<RecordMetadata[]>;
}

type Outcome = 'done' | 'abandoned';

interface Bound extends TopicBinding {
  labels: { topic: string };
  handledLabels: { topic: string; outcome: string };
}

interface Liveness {
  heartbeat: () => Promise<void>;
  isRunning: () => boolean;
  isStale: () => boolean;
}

const HEARTBEAT_EVERY_MS = 2000;
/**
 * Within a batch, offsets are resolved after every record but handed to kafkajs's commit check
 * and heartbeat at most this often (kafkajs itself commits every autoCommitInterval and beats
 * every heartbeatInterval, both far longer; it also commits the resolved offsets after the batch,
 * on stop and before a rebalance). Awaiting both per record cost more than small handlers.
 */
const SYNC_EVERY_MS = 100;
/** A fetched batch is handed to a batch handler in slices of at most this many records. */
const MAX_BATCH_RECORDS = 500;
/** Deferred-commit mode: how often committable offsets are committed. */
const COMMIT_EVERY_MS = 200;
/** Deferred-commit mode: how long `stop` waits for pending batches to become durable. */
const STOP_WAIT_MS = 10_000;

interface PartitionCommits {
  topic: string;
  partition: number;
  /** Effects of handled batches becoming durable, in offset order. */
  chain: Promise<void>;
  /** Next offset to commit (last durable + 1), and whether it is newer than the last commit. */
  offset?: string;
  dirty: boolean;
  /** A batch whose effects could not be made durable: nothing more is committed until it is consumed again. */
  failedFrom?: bigint;
}

const consumed = counter('airis_kafka_consumed_records_total', 'Records handled, by outcome', ['topic', 'outcome']);
const retries = counter('airis_kafka_handler_retries_total', 'Handler attempts that failed and were retried', [
  'topic',
  'code',
]);
const handlerSeconds = histogram('airis_kafka_handler_duration_seconds', 'Time spent in a record handler', ['topic']);

/**
 * Drives one kafkajs consumer: per record, decode and validate against the topic's contract,
 * call the handler, and only then mark the offset for commit. Transient failures are retried in
 * place with backoff and jitter while heartbeating (the partition waits, nothing is skipped);
 * invalid records and permanent failures go to `<topic>.dlq` with the reason in headers and the
 * partition moves on.
 */
export class ConsumerRunner {
  private readonly logger: Logger;
  private readonly bindings = new Map<string, Bound>();
  private readonly stopping = new AbortController();
  private readonly tracer = trace.getTracer('airis-kafka');
  /** Set when kafkajs gave up on the consumer (a crash it will not restart from). */
  private fatal: Error | undefined;
  /** Group joins so far (BatchContext.epoch). */
  private epoch = 0;
  /** Deferred-commit mode (some binding has `deferCommit`): the runner commits, not kafkajs. */
  private readonly manualCommit: boolean;
  private readonly commits = new Map<string, PartitionCommits>();
  private commitTimer: NodeJS.Timeout | undefined;
  /** Batches being handled (deferred-commit mode waits for them on stop). */
  private readonly handling = new Set<Promise<void>>();
  private committing: Promise<void> = Promise.resolve();

  constructor(
    private readonly consumer: Consumer,
    bindings: TopicBinding[],
    private readonly options: RunnerOptions,
  ) {
    this.logger = new Logger(`consumer:${options.groupId}`);
    // Label objects built once (prom-client hashes them per call; no need to build them too).
    for (const b of bindings) {
      this.bindings.set(b.topicName, {
        ...b,
        labels: { topic: b.topicName },
        handledLabels: { topic: b.topicName, outcome: 'handled' },
      });
    }
    this.manualCommit = bindings.some((b) => b.deferCommit === true && b.batchHandler !== undefined);
  }

  async start(): Promise<void> {
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) {
        this.logger.warn(`consumer crashed, kafkajs restarts it: ${payload.error.message}`);
        return;
      }
      this.fatal = payload.error;
      this.logger.error(`consumer stopped for good: ${payload.error.message}`);
    });
    if (this.consumer.events.GROUP_JOIN) {
      this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        this.epoch++;
        // A new generation: what was pending for partitions we may no longer hold is moot.
        this.commits.clear();
      });
    }
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.bindings.keys()], fromBeginning: this.options.fromBeginning });
    await this.consumer.run({
      autoCommit: !this.manualCommit,
      autoCommitInterval: 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.tracked(this.eachBatch(payload)),
    });
    if (this.manualCommit) {
      this.commitTimer = setInterval(() => void this.commitDurable(), COMMIT_EVERY_MS);
      this.commitTimer.unref();
    }
  }

  private tracked(p: Promise<void>): Promise<void> {
    this.handling.add(p);
    const forget = (): void => void this.handling.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** Deferred-commit mode: commits every partition's durable offset that moved (also every 200 ms). */
  commitDurable(): Promise<void> {
    this.committing = this.committing.then(async () => {
      const due = [...this.commits.values()].filter((c) => c.dirty && c.offset !== undefined);
      if (due.length === 0) return;
      for (const c of due) c.dirty = false;
      try {
        await this.consumer.commitOffsets(
          due.map((c) => ({ topic: c.topic, partition: c.partition, offset: c.offset as string })),
        );
      } catch (error) {
        // Rebalancing or not the owner any more: the next owner consumes from the last commit.
        this.logger.warn(`offset commit failed: ${(error as Error).message}`);
      }
    });
    return this.committing;
  }

  private partitionCommits(topic: string, partition: number): PartitionCommits {
    const key = `${topic}/${partition}`;
    let c = this.commits.get(key);
    if (!c) {
      c = { topic, partition, chain: Promise.resolve(), dirty: false };
      this.commits.set(key, c);
    }
    return c;
  }

  /** Deferred-commit mode: `offset` (handled) may be committed once `durable` and all before it resolve. */
  private commitWhenDurable(
    topic: string,
    partition: number,
    firstOffset: string,
    offset: string,
    durable?: Promise<void>,
  ): void {
    const c = this.partitionCommits(topic, partition);
    const next = (BigInt(offset) + 1n).toString();
    c.chain = c.chain.then(async () => {
      try {
        await durable;
      } catch (error) {
        if (c.failedFrom === undefined) {
          c.failedFrom = BigInt(firstOffset);
          this.logger.error(
            `${topic}[${partition}] from ${firstOffset}: effects not durable (${(error as Error).message}); consuming again from there`,
          );
          this.consumer.seek({ topic, partition, offset: firstOffset });
        }
        return;
      }
      if (c.failedFrom !== undefined) return;
      c.offset = next;
      c.dirty = true;
    });
  }

  /** For readiness: a consumer kafkajs will not restart makes the service not ready. */
  health(): { up: boolean; detail?: string } {
    return this.fatal ? { up: false, detail: `consumer stopped: ${this.fatal.message}` } : { up: true };
  }

  /** Stops fetching, lets in-flight records finish (retry waits end early), commits, leaves. */
  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.manualCommit) {
      // kafkajs commits nothing itself in this mode, and nothing once stopped: commit first
      // what became durable (bounded wait; the rest is consumed again by the next owner).
      const settled = (async () => {
        await Promise.allSettled([...this.handling]);
        await Promise.allSettled([...this.commits.values()].map((c) => c.chain));
      })();
      // The wait's timer is cleared once settled: a pending one would hold the process (and a
      // test runner's worker) alive for the rest of STOP_WAIT_MS.
      const timeUp = new AbortController();
      await Promise.race([settled, sleep(STOP_WAIT_MS, timeUp.signal)]);
      timeUp.abort();
      if (this.commitTimer) clearInterval(this.commitTimer);
      await this.commitDurable();
    }
    await this.consumer.stop();
    await this.consumer.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const binding = this.bindings.get(batch.topic);
    if (!binding) throw new Error(`no handler bound for ${batch.topic}`);
    const live: Liveness = {
      heartbeat: () => payload.heartbeat(),
      isRunning: () => payload.isRunning(),
      isStale: () => payload.isStale(),
    };
    if (binding.batchHandler) return this.eachBatchWhole(binding, binding.batchHandler, payload, live);
    let lastSync = performance.now();
    // The offset of the last record whose effect is done. kafkajs reads resolved offsets only when
    // it commits (commitOffsetsIfNecessary, after the batch, on stop and rebalance), so it gets it
    // right before each of those rather than per record (it parses the offset on every call).
    let done: string | undefined;
    for (const message of batch.messages) {
      if (!live.isRunning() || live.isStale() || this.stopping.signal.aborted) break;
      const raw = toRaw(batch.topic, batch.partition, message);
      const outcome = await this.processRecord(binding, raw, live);
      if (outcome === 'abandoned') break;
      // Only now, after the effect: the offset may be committed.
      done = message.offset;
      if (this.manualCommit) this.commitWhenDurable(batch.topic, batch.partition, message.offset, message.offset);
      const now = performance.now();
      if (now - lastSync >= SYNC_EVERY_MS) {
        lastSync = now;
        payload.resolveOffset(done);
        if (!this.manualCommit) await payload.commitOffsetsIfNecessary();
        await live.heartbeat();
      }
    }
    if (done !== undefined) payload.resolveOffset(done);
  }

  /**
   * Batch mode: per slice of the batch, invalid records go to the DLQ, the valid ones to the
   * batch handler at once; the slice's last offset is resolved only once both are done.
   */
  private async eachBatchWhole(
    binding: Bound,
    handler: BatchHandler,
    payload: EachBatchPayload,
    live: Liveness,
  ): Promise<void> {
    const { batch } = payload;
    const context: BatchContext = { topic: batch.topic, partition: batch.partition, epoch: this.epoch };
    const first = batch.messages[0];
    const pending = this.manualCommit ? this.commits.get(`${batch.topic}/${batch.partition}`) : undefined;
    if (pending?.failedFrom !== undefined && first && BigInt(first.offset) <= pending.failedFrom) {
      // Consumed again from the batch that failed: commits resume after what is queued before.
      const c = pending;
      c.chain = c.chain.then(() => {
        c.failedFrom = undefined;
      });
    }
    for (let at = 0; at < batch.messages.length; at += MAX_BATCH_RECORDS) {
      if (!live.isRunning() || live.isStale() || this.stopping.signal.aborted) return;
      const slice = batch.messages.slice(at, at + MAX_BATCH_RECORDS);
      const valid: { raw: RawRecord; record: ConsumedRecord<unknown> }[] = [];
      for (const message of slice) {
        const raw = toRaw(batch.topic, batch.partition, message);
        const decoded = decodeRecord(binding.topicId, binding.spec, raw);
        if (decoded.ok) {
          valid.push({ raw, record: decoded.record });
          continue;
        }
        this.logger.warn(
          `${raw.topic}[${raw.partition}]@${raw.offset} is invalid (${decoded.code}): ${decoded.reason}`,
        );
        const why = { code: decoded.code, errorClass: 'VALIDATION' as const, reason: decoded.reason, attempts: 0 };
        if ((await this.deadLetter(raw, why, live)) === 'abandoned') return;
      }
      let durable: Promise<void> | undefined;
      if (valid.length > 0) {
        const done = await this.processBatch(binding, handler, valid, context, live);
        if (done.outcome === 'abandoned') return;
        durable = done.durable;
      }
      const head = slice[0];
      const last = slice[slice.length - 1];
      if (!head || !last) continue;
      payload.resolveOffset(last.offset);
      if (this.manualCommit) this.commitWhenDurable(batch.topic, batch.partition, head.offset, last.offset, durable);
      else await payload.commitOffsetsIfNecessary();
      await live.heartbeat();
    }
  }

  private async processBatch(
    binding: Bound,
    handler: BatchHandler,
    valid: { raw: RawRecord; record: ConsumedRecord<unknown> }[],
    context: BatchContext,
    live: Liveness,
  ): Promise<{ outcome: Outcome; durable?: Promise<void> }> {
    for (let attempt = 0; ; attempt++) {
      const stopTimer = handlerSeconds.startTimer({ topic: binding.topicName });
      let results: readonly (Error | undefined)[] | undefined;
      let durable: Promise<void> | undefined;
      try {
        const returned = await handler(
          valid.map((v) => v.record),
          context,
        );
        if (returned && !Array.isArray(returned)) {
          const deferred = returned as DeferredBatchResult;
          results = deferred.errors;
          durable = deferred.durable;
          // Observed now so a rejection is never unhandled; commitWhenDurable acts on it.
          durable.catch(() => undefined);
        } else results = returned as readonly (Error | undefined)[] | undefined;
        stopTimer();
      } catch (error) {
        stopTimer();
        const c = classifyError(error);
        if (c.errorClass === 'PERMANENT' || (!c.certain && attempt + 1 >= this.options.maxUncertainAttempts)) {
          // Which record is at fault is unknown: one at a time, each with its own outcome.
          this.logger.warn(
            `${context.topic}[${context.partition}] batch of ${valid.length} failed (${c.code}): ${c.message}; one record at a time`,
          );
          const one = oneAtATime(handler, context);
          for (const v of valid) {
            if ((await this.processRecord(binding, v.raw, live, one)) === 'abandoned') return { outcome: 'abandoned' };
          }
          return { outcome: 'done' };
        }
        retries.inc({ topic: binding.topicName, code: c.code });
        this.logger.warn(
          `${context.topic}[${context.partition}] batch of ${valid.length} attempt ${attempt + 1} failed (${c.code}): ${c.message}; retrying`,
        );
        if (!(await this.wait(backoffDelay(attempt), live))) return { outcome: 'abandoned' };
        continue;
      }
      for (let i = 0; i < valid.length; i++) {
        const error = results?.[i];
        const v = valid[i];
        if (!v) continue;
        if (!error) {
          consumed.inc({ topic: binding.topicName, outcome: 'handled' });
          continue;
        }
        const c = classifyError(error);
        this.logger.warn(`${v.raw.topic}[${v.raw.partition}]@${v.raw.offset} failed (${c.code}): ${c.message}`);
        const why: DeadLetterReason = {
          code: c.code,
          errorClass: c.errorClass === 'PERMANENT' ? 'PERMANENT' : 'RETRIES_EXHAUSTED',
          reason: c.message,
          attempts: attempt + 1,
        };
        if ((await this.deadLetter(v.raw, why, live)) === 'abandoned') return { outcome: 'abandoned' };
      }
      return durable ? { outcome: 'done', durable } : { outcome: 'done' };
    }
  }

  private async processRecord(
    binding: Bound,
    raw: RawRecord,
    live: Liveness,
    handle: RecordHandler = binding.handler,
  ): Promise<Outcome> {
    const decoded = decodeRecord(binding.topicId, binding.spec, raw);
    if (!decoded.ok) {
      this.logger.warn(`${raw.topic}[${raw.partition}]@${raw.offset} is invalid (${decoded.code}): ${decoded.reason}`);
      return this.deadLetter(
        raw,
        { code: decoded.code, errorClass: 'VALIDATION', reason: decoded.reason, attempts: 0 },
        live,
      );
    }
    const parent = contextFromHeaders(raw.headers);
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      const stopTimer = (): void => handlerSeconds.observe(binding.labels, (performance.now() - started) / 1000);
      try {
        await this.traced(binding, raw, decoded.record, parent, handle);
        stopTimer();
        consumed.inc(binding.handledLabels);
        return 'done';
      } catch (error) {
        stopTimer();
        const c = classifyError(error);
        if (c.errorClass === 'PERMANENT') {
          this.logger.warn(`${raw.topic}[${raw.partition}]@${raw.offset} failed permanently (${c.code}): ${c.message}`);
          return this.deadLetter(
            raw,
            { code: c.code, errorClass: 'PERMANENT', reason: c.message, attempts: attempt + 1 },
            live,
          );
        }
        if (!c.certain && attempt + 1 >= this.options.maxUncertainAttempts) {
          this.logger.error(
            `${raw.topic}[${raw.partition}]@${raw.offset} still failing after ${attempt + 1} attempts (${c.code}): ${c.message}`,
          );
          return this.deadLetter(
            raw,
            { code: c.code, errorClass: 'RETRIES_EXHAUSTED', reason: c.message, attempts: attempt + 1 },
            live,
          );
        }
        retries.inc({ topic: binding.topicName, code: c.code });
        this.logger.warn(
          `${raw.topic}[${raw.partition}]@${raw.offset} attempt ${attempt + 1} failed (${c.code}): ${c.message}; retrying`,
        );
        if (!(await this.wait(backoffDelay(attempt), live))) return 'abandoned';
      }
    }
  }

  /**
   * Runs the handler in a consumer span that continues the producer's trace, so what it
   * publishes carries the trace on. Without a recording tracer (no SDK) and without a trace to
   * continue, the span would be an invalid no-op: the handler is called directly then.
   */
  private async traced(
    binding: Bound,
    raw: RawRecord,
    record: ConsumedRecord<unknown>,
    parent: Context,
    handle: RecordHandler,
  ): Promise<void> {
    const span = this.tracer.startSpan(
      `process ${binding.topicName}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': binding.topicName,
          'messaging.kafka.destination.partition': raw.partition,
          'messaging.kafka.message.offset': Number(raw.offset),
          'messaging.consumer.group.name': this.options.groupId,
          'messaging.message.id': record.envelope.id,
        },
      },
      parent,
    );
    if (!span.isRecording() && !isSpanContextValid(span.spanContext()) && context.active() === ROOT_CONTEXT) {
      return handle(record);
    }
    try {
      await context.with(trace.setSpan(parent, span), () => handle(record));
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  }

  /** Publishes to the DLQ; a DLQ that cannot be written is itself a transient failure. */
  private async deadLetter(raw: RawRecord, why: DeadLetterReason, live: Liveness): Promise<Outcome> {
    const message = deadLetterMessage(raw, why, this.options.groupId);
    for (let attempt = 0; ; attempt++) {
      try {
        await context.with(contextFromHeaders(raw.headers), () =>
          this.options.sendToDlq(dlqName(raw.topic), [message]),
        );
        consumed.inc({ topic: raw.topic, outcome: 'dead_lettered' });
        return 'done';
      } catch (error) {
        this.logger.error(`cannot write to ${dlqName(raw.topic)}: ${(error as Error).message}; retrying`);
        if (!(await this.wait(backoffDelay(attempt), live))) return 'abandoned';
      }
    }
  }

  /** Waits while keeping the group session alive; false when the record should be let go. */
  private async wait(ms: number, live: Liveness): Promise<boolean> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(left, HEARTBEAT_EVERY_MS);
      if (!(await sleep(step, this.stopping.signal))) return false;
      left -= step;
      if (!live.isRunning() || live.isStale()) return false;
      try {
        await live.heartbeat();
      } catch {
        // Rebalance in progress: give the record up, its offset is not resolved.
        return false;
      }
    }
    return live.isRunning() && !live.isStale();
  }
}

/**
 * A batch handler as a one-record handler: throws the record's error; a deferred result is
 * awaited until durable (one record at a time is the slow path anyway).
 */
export function oneAtATime(handler: BatchHandler, context: BatchContext): RecordHandler {
  return async (record) => {
    const returned = await handler([record], context);
    const deferred = returned && !Array.isArray(returned) ? (returned as DeferredBatchResult) : undefined;
    const errors = deferred ? deferred.errors : (returned as readonly (Error | undefined)[] | undefined);
    const failure = errors?.[0];
    if (failure) throw failure;
    if (deferred) await deferred.durable;
  };
}

function toRaw(topic: string, partition: number, message: KafkaMessage): RawRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: message.headers ?? {},
    timestamp: message.timestamp,
  };
}
