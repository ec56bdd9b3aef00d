/**
 * CloudEvents 1.0 over Kafka, binary content mode (cloudevents/spec kafka-protocol-binding.md
 * §3.2): attributes travel as `ce_<name>` headers, `datacontenttype` as `content-type`, the
 * record value is the data itself. W3C trace context rides along as `traceparent`/`tracestate`.
 *
 * This mapping is kept as plain header reads/writes rather than going through the CloudEvents
 * SDK's CloudEvent objects because it runs once per record on every hot path; the spec tests
 * check it against the SDK's own Kafka binding.
 */

export const CE_SPEC_VERSION = '1.0';
export const JSON_CONTENT_TYPE = 'application/json';

export const HEADER = {
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  time: 'ce_time',
  specversion: 'ce_specversion',
  subject: 'ce_subject',
  dataschema: 'ce_dataschema',
  contentType: 'content-type',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

export interface Envelope {
  id: string;
  source: string;
  type: string;
  /** RFC 3339 timestamp. */
  time: string;
  specversion: string;
  contentType: string;
  subject?: string;
  dataschema?: string;
  traceparent?: string;
  tracestate?: string;
}

export type KafkaHeaderValue = Buffer | string | (Buffer | string)[] | undefined;
export type KafkaHeaders = Record<string, KafkaHeaderValue>;

export function encodeEnvelope(envelope: Envelope): Record<string, string> {
  const headers: Record<string, string> = {
    [HEADER.id]: envelope.id,
    [HEADER.source]: envelope.source,
    [HEADER.type]: envelope.type,
    [HEADER.time]: envelope.time,
    [HEADER.specversion]: envelope.specversion,
    [HEADER.contentType]: envelope.contentType,
  };
  if (envelope.subject !== undefined) headers[HEADER.subject] = envelope.subject;
  if (envelope.dataschema !== undefined) headers[HEADER.dataschema] = envelope.dataschema;
  if (envelope.traceparent !== undefined) headers[HEADER.traceparent] = envelope.traceparent;
  if (envelope.tracestate !== undefined) headers[HEADER.tracestate] = envelope.tracestate;
  return headers;
}

/** Reads one header as a string; repeated headers keep the last value, as HTTP proxies do. */
export function headerString(headers: KafkaHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  if (raw === undefined) return undefined;
  const last = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (last === undefined) return undefined;
  return typeof last === 'string' ? last : last.toString('utf8');
}

function isEmpty(headers: KafkaHeaders): boolean {
  for (const name in headers) if (Object.hasOwn(headers, name)) return false;
  return true;
}

/**
 * Reads whatever envelope a record carries. A plain record from an external producer has none
 * of it; `completeEnvelope` fills the gaps.
 */
export function decodeEnvelope(headers: KafkaHeaders | undefined): Partial<Envelope> {
  const out: Partial<Envelope> = {};
  if (headers === undefined || isEmpty(headers)) return out; // plain producers: the common case
  const set = <K extends keyof Envelope>(key: K, header: string): void => {
    const value = headerString(headers, header);
    if (value !== undefined && value !== '') out[key] = value;
  };
  set('id', HEADER.id);
  set('source', HEADER.source);
  set('type', HEADER.type);
  set('time', HEADER.time);
  set('specversion', HEADER.specversion);
  set('contentType', HEADER.contentType);
  set('subject', HEADER.subject);
  set('dataschema', HEADER.dataschema);
  set('traceparent', HEADER.traceparent);
  set('tracestate', HEADER.tracestate);
  return out;
}

export interface EnvelopeDefaults {
  /** Used as `id` when the record has none: stable per record, e.g. `topic/partition/offset`. */
  id: string;
  source: string;
  type: string;
  /** Record timestamp in ms. */
  timeMs: number;
}

let isoSecond = NaN;
let isoPrefix = '';
let isoLastMs = NaN;
let isoLast = '';

/**
 * `new Date(ms).toISOString()`, with the text of the last second reused: consumers complete
 * envelopes per record, and records of one second share all but the milliseconds.
 */
export function isoTime(ms: number): string {
  if (ms === isoLastMs) return isoLast;
  if (!Number.isInteger(ms) || Math.abs(ms) >= 8.64e15) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    const text = new Date(second * 1000).toISOString(); // throws for out-of-range times, as before
    isoPrefix = text.slice(0, text.length - 4); // without "000Z"
    isoSecond = second;
  }
  const milli = ms - second * 1000;
  isoLastMs = ms;
  isoLast = `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
  return isoLast;
}

/** Fills a partial envelope so every consumer sees the same complete shape. */
export function completeEnvelope(partial: Partial<Envelope>, defaults: EnvelopeDefaults): Envelope {
  return {
    ...partial,
    id: partial.id ?? defaults.id,
    source: partial.source ?? defaults.source,
    type: partial.type ?? defaults.type,
    time: partial.time ?? isoTime(defaults.timeMs),
    specversion: partial.specversion ?? CE_SPEC_VERSION,
    contentType: partial.contentType ?? JSON_CONTENT_TYPE,
  };
}
