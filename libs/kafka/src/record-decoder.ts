import {
  type Envelope,
  type KafkaHeaders,
  type TopicId,
  type TopicSpec,
  completeEnvelope,
  decodeEnvelope,
  describeFieldErrors,
  validateContract,
} from '@airis/contracts';

export interface RawRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: KafkaHeaders;
  /** Record timestamp, ms since epoch, as a string (kafkajs). */
  timestamp: string;
}

export interface ConsumedRecord<T> {
  topicId: TopicId;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The validated contract value; null only for tombstones on topics that use them. */
  value: T;
  /** Complete CloudEvents envelope, filled in where the producer sent none. */
  envelope: Envelope;
  headers: KafkaHeaders;
  timestamp: number;
}

export type DecodeResult<T> = { ok: true; record: ConsumedRecord<T> } | { ok: false; code: string; reason: string };

const JSON_TYPES = /^application\/([\w.+-]*\+)?json\b/i;

/**
 * Turns a raw record into a validated contract value, or says precisely why it cannot be one.
 * Records without CloudEvents headers (plain external producers) are accepted and enriched.
 */
export function decodeRecord<T>(topicId: TopicId, spec: TopicSpec, raw: RawRecord): DecodeResult<T> {
  const partial = decodeEnvelope(raw.headers);
  const timestamp = Number(raw.timestamp);
  // Built once, at the end (this runs for every record of every consumer).
  const record = (value: T, envelope: Envelope): ConsumedRecord<T> => ({
    topicId,
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    key: raw.key === null ? null : raw.key.toString('utf8'),
    headers: raw.headers ?? {},
    timestamp,
    value,
    envelope,
  });
  const fallbackId = (): string => `${raw.topic}:${raw.partition}:${raw.offset}`;

  if (raw.value === null || raw.value.length === 0) {
    if (spec.tombstones && raw.value === null) {
      const envelope = completeEnvelope(partial, {
        id: partial.id ?? fallbackId(),
        source: `kafka:${raw.topic}`,
        type: spec.ceType,
        timeMs: timestamp,
      });
      return { ok: true, record: record(null as T, envelope) };
    }
    return { ok: false, code: 'EMPTY_VALUE', reason: 'record has no value' };
  }
  if (partial.contentType !== undefined && !JSON_TYPES.test(partial.contentType)) {
    return {
      ok: false,
      code: 'UNSUPPORTED_CONTENT_TYPE',
      reason: `content-type ${partial.contentType} is not JSON`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.value.toString('utf8'));
  } catch (error) {
    return { ok: false, code: 'INVALID_JSON', reason: `value is not JSON: ${(error as Error).message}` };
  }
  const result = spec.validate ? spec.validate(parsed) : validateContract(spec.schema, parsed);
  if (!result.ok) {
    return { ok: false, code: 'SCHEMA_VIOLATION', reason: describeFieldErrors(result.errors) };
  }
  const value = result.value as Record<string, unknown>;
  const id = value['id'];
  const source = value['source'];
  const time = value['timestamp'];
  const envelope = completeEnvelope(partial, {
    id: partial.id ?? (typeof id === 'string' ? id : fallbackId()),
    source: typeof source === 'string' ? source : `kafka:${raw.topic}`,
    type: spec.ceType,
    timeMs: typeof time === 'number' ? time : timestamp,
  });
  return { ok: true, record: record(result.value as T, envelope) };
}
