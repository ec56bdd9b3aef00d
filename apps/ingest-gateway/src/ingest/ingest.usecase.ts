import { createHash, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import {
  CE_SPEC_VERSION,
  type FieldError,
  JSON_CONTENT_TYPE,
  type MetricBatchDto,
  TOPICS,
  type Validated,
  encodeEnvelope,
  validateEvent,
  validateMetricBatch,
  isoTime,
} from '@airis/contracts';
import { TopicNames, traceHeaders } from '@airis/kafka';
import { HotCounter } from '@airis/observability';
import { AppError } from '@airis/resilience';
import type { Message } from 'kafkajs';
import { IdempotencyStore, type StoredResponse } from './idempotency.store';
import { IngestProducer, type OutgoingMessage } from './ingest-producer';

export type IngestKind = 'metrics' | 'events';

export interface IngestCommand {
  kind: IngestKind;
  keyId: string;
  /** Parsed items, or a parse error per item (NDJSON lines). */
  items: unknown[];
  /** The JSON text or bytes of each item where known (single body, NDJSON line): written as is when unchanged. */
  raw?: (string | Buffer | undefined)[];
  /** True for an array or NDJSON body: the answer reports per item. */
  batch: boolean;
  idempotencyKey?: string;
  requestHash: string;
}

export interface IngestItemError {
  index: number;
  fields: FieldError[];
}

export type IngestOutcome = { type: 'response'; response: StoredResponse; replayed: boolean } | { type: 'conflict' };

const KINDS: readonly IngestKind[] = ['metrics', 'events'];
// Plain sums per kind, moved into the prom-client counters when /metrics is scraped.
const accepted = new HotCounter('airis_gateway_ingested_records_total', 'Records acked by Kafka', 'kind', KINDS);
const rejectedItems = new HotCounter(
  'airis_gateway_rejected_items_total',
  'Items refused by validation',
  'kind',
  KINDS,
);
// Read once: named imports of the barrels compile to a getter call per use.
const CE_TYPE: Record<IngestKind, string> = { metrics: TOPICS.metrics.ceType, events: TOPICS.events.ceType };
const SPEC_VERSION = CE_SPEC_VERSION;
const CONTENT_TYPE = JSON_CONTENT_TYPE;
const encode = encodeEnvelope;
const validators = { metrics: validateMetricBatch, events: validateEvent } as const;
const timeOf = isoTime;
const traceOf = traceHeaders;

/** A parse failure of one NDJSON line. */
export class ParseFailure {
  constructor(readonly message: string) {}
}

/** CloudEvents id of item `index` of a request: stable across retries of the same request. */
export function deterministicId(keyId: string, idempotencyKey: string, index: number): string {
  const h = createHash('sha256').update(`${keyId}\0${idempotencyKey}\0${index}`).digest('hex');
  // RFC 9562 version 8 (custom) layout, so it reads as a UUID downstream.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Validates, writes to Kafka (acked, or 503), and makes the write idempotent per
 * `Idempotency-Key`. Batch semantics are partial: valid items are written, invalid ones are
 * reported by index; nothing is written only when no item is valid.
 */
@Injectable()
export class IngestUseCase {
  private readonly logger = new Logger(IngestUseCase.name);
  /** Requests being written, by idempotency key: a concurrent retry joins instead of writing twice. */
  private readonly inFlight = new Map<string, Promise<StoredResponse>>();
  private readonly topicName: Record<IngestKind, string>;
  private readonly source = 'airis-mon/ingest-gateway';

  constructor(
    private readonly producer: IngestProducer,
    private readonly idempotency: IdempotencyStore,
    topics: TopicNames,
  ) {
    this.topicName = { metrics: topics.of('metrics'), events: topics.of('events') };
  }

  /** Without an Idempotency-Key this is `write` itself: one async frame per request on the hot path. */
  ingest(command: IngestCommand): Promise<IngestOutcome> {
    if (!command.idempotencyKey) return this.write(command);
    return this.ingestOnce(command, command.idempotencyKey);
  }

  private async ingestOnce(command: IngestCommand, idempotencyKey: string): Promise<IngestOutcome> {
    const slot = IdempotencyStore.docId(command.keyId, idempotencyKey);
    const running = this.inFlight.get(slot);
    if (running) return { type: 'response', response: await running, replayed: true };
    const previous = await this.idempotency.lookup(command.keyId, idempotencyKey, command.requestHash);
    if (previous.found) {
      return previous.matches
        ? { type: 'response', response: previous.response, replayed: true }
        : { type: 'conflict' };
    }
    const writing = this.write(command).then((outcome) => outcome.response);
    this.inFlight.set(slot, writing);
    try {
      return { type: 'response', response: await writing, replayed: false };
    } finally {
      this.inFlight.delete(slot);
    }
  }

  /**
   * Writes metric batches built by a push protocol (OTLP, remote write): acked or
   * `kafka_unavailable`. The senders retry whole requests, so ids are random.
   */
  async writeBatches(keyId: string, batches: MetricBatchDto[]): Promise<number> {
    const topic = this.topicName.metrics;
    const type = TOPICS.metrics.ceType;
    const time = new Date().toISOString();
    const trace = traceHeaders();
    const messages: OutgoingMessage[] = batches.map((batch) => ({
      topic,
      message: {
        key: batch.source,
        value: JSON.stringify(batch),
        headers: {
          ...encodeEnvelope({
            id: randomUUID(),
            source: this.source,
            type,
            time,
            specversion: CE_SPEC_VERSION,
            contentType: JSON_CONTENT_TYPE,
          }),
          ...trace,
          'airis-api-key': keyId,
        },
      },
    }));
    if (messages.length === 0) return 0;
    await this.producer.withDeadline(this.producer.enqueue(messages));
    accepted.add('metrics', messages.length);
    return messages.length;
  }

  private async write(command: IngestCommand): Promise<IngestOutcome & { type: 'response' }> {
    const validate: (v: unknown) => Validated<{ source: string; id?: string; timestamp?: number }> =
      validators[command.kind];
    const errors: IngestItemError[] = [];
    const ids: (string | null)[] = [];
    const messages: OutgoingMessage[] = [];
    const topic = this.topicName[command.kind];
    const type = CE_TYPE[command.kind];
    const now = Date.now();
    const time = timeOf(now);
    const trace = traceOf();
    for (let index = 0; index < command.items.length; index++) {
      const item = command.items[index];
      if (item instanceof ParseFailure) {
        errors.push({ index, fields: [{ field: '', messages: [item.message] }] });
        ids.push(null);
        continue;
      }
      const result = validate(item);
      if (!result.ok) {
        errors.push({ index, fields: result.errors });
        ids.push(null);
        continue;
      }
      const value = result.value;
      const text = value.timestamp === undefined || value.timestamp === null ? undefined : command.raw?.[index];
      value.timestamp ??= now;
      const id =
        value.id ??
        (command.idempotencyKey ? deterministicId(command.keyId, command.idempotencyKey, index) : randomUUID());
      ids.push(id);
      const headers: Record<string, string> = encode({
        id,
        source: this.source,
        type,
        time,
        specversion: SPEC_VERSION,
        contentType: CONTENT_TYPE,
      });
      for (const name in trace) headers[name] = trace[name] as string;
      headers['airis-api-key'] = command.keyId;
      const message: Message = { key: value.source, value: text ?? JSON.stringify(value), headers };
      messages.push({ topic, message });
    }
    if (errors.length > 0) rejectedItems.add(command.kind, errors.length);
    if (messages.length === 0) {
      // Nothing valid: a 400, never stored as an idempotent response (the client fixes and retries).
      throw new IngestValidationError(command.batch, errors);
    }
    const response = this.response(command, ids, errors);
    const sending = this.producer.enqueue(messages);
    try {
      await this.producer.withDeadline(sending);
    } catch (error) {
      if (command.idempotencyKey) {
        // The send may still be acked after the deadline: remember the answer then, so the
        // client's retry gets it instead of a second write.
        const key = command.idempotencyKey;
        sending.then(
          () => this.remember(command.keyId, key, command.requestHash, response),
          () => undefined,
        );
      }
      throw error;
    }
    accepted.add(command.kind, messages.length);
    if (command.idempotencyKey)
      await this.remember(command.keyId, command.idempotencyKey, command.requestHash, response);
    return { type: 'response', response, replayed: false };
  }

  private response(command: IngestCommand, ids: (string | null)[], errors: IngestItemError[]): StoredResponse {
    const acceptedCount = ids.length - errors.length;
    if (!command.batch) return { status: 200, body: { status: 'accepted', accepted: 1, rejected: 0, ids } };
    return {
      status: errors.length === 0 ? 200 : 207,
      body: {
        status: errors.length === 0 ? 'accepted' : 'partial',
        accepted: acceptedCount,
        rejected: errors.length,
        ids,
        ...(errors.length > 0 ? { errors } : {}),
      },
    };
  }

  private async remember(keyId: string, key: string, hash: string, response: StoredResponse): Promise<void> {
    try {
      await this.idempotency.save(keyId, key, hash, response);
    } catch (error) {
      // The write is acked; a retry would re-send with the same event ids, which consumers dedup.
      this.logger.warn(`idempotency record not saved: ${(error as Error).message}`);
    }
  }
}

export class IngestValidationError extends Error {
  constructor(
    readonly batch: boolean,
    readonly errors: IngestItemError[],
  ) {
    super('no valid item');
  }
}

export function isKafkaUnavailable(error: unknown): boolean {
  return error instanceof AppError && error.code === 'kafka_unavailable';
}
