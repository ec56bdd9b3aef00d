import { TOPICS } from '@airis/contracts';
import { type RawRecord, decodeRecord } from './record-decoder';
import { DLQ_HEADER, deadLetterMessage } from './dead-letter';
import { TopicNames } from './topic-names';

const raw = (value: Buffer | string | null, headers: RawRecord['headers'] = {}): RawRecord => ({
  topic: 'airis.events.v1',
  partition: 2,
  offset: '41',
  key: Buffer.from('src'),
  value: typeof value === 'string' ? Buffer.from(value) : value,
  headers,
  timestamp: '1704067200000',
});

describe('decodeRecord', () => {
  it('accepts a plain external record without headers and completes its envelope', () => {
    const result = decodeRecord('events', TOPICS.events, raw('{"event_type":"deploy","source":"ci"}'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.record.key).toBe('src');
    expect(result.record.envelope).toEqual({
      id: 'airis.events.v1:2:41',
      source: 'ci',
      type: 'io.airis.event.v1',
      time: '2024-01-01T00:00:00.000Z',
      specversion: '1.0',
      contentType: 'application/json',
    });
  });

  it('prefers the ce_* headers, then the body id and timestamp', () => {
    const withBodyId = decodeRecord(
      'events',
      TOPICS.events,
      raw('{"id":"e-9","timestamp":0,"event_type":"x","source":"s"}'),
    );
    expect(withBodyId.ok && withBodyId.record.envelope).toMatchObject({ id: 'e-9', time: '1970-01-01T00:00:00.000Z' });
    const withHeaders = decodeRecord(
      'events',
      TOPICS.events,
      raw('{"id":"e-9","event_type":"x","source":"s"}', { ce_id: Buffer.from('h-1'), ce_source: 'gw' }),
    );
    expect(withHeaders.ok && withHeaders.record.envelope).toMatchObject({ id: 'h-1', source: 'gw' });
  });

  it.each<[string, Buffer | string | null, RawRecord['headers'], string]>([
    ['garbage bytes', Buffer.from([0xff, 0x00, 0x13]), {}, 'INVALID_JSON'],
    ['truncated JSON', '{"event_type":', {}, 'INVALID_JSON'],
    ['a JSON array', '[1,2]', {}, 'SCHEMA_VIOLATION'],
    ['a JSON string', '"hello"', {}, 'SCHEMA_VIOLATION'],
    ['wrong field type', '{"event_type":5,"source":"s"}', {}, 'SCHEMA_VIOLATION'],
    ['unknown field', '{"event_type":"x","source":"s","sevrity":"info"}', {}, 'SCHEMA_VIOLATION'],
    ['empty value', '', {}, 'EMPTY_VALUE'],
    ['null value (no tombstones here)', null, {}, 'EMPTY_VALUE'],
    [
      'non-JSON content type',
      '{"event_type":"x","source":"s"}',
      { 'content-type': 'text/plain' },
      'UNSUPPORTED_CONTENT_TYPE',
    ],
  ])('rejects %s with %s', (_label, value, headers, code) => {
    const result = decodeRecord('events', TOPICS.events, raw(value, headers));
    expect(result).toMatchObject({ ok: false, code });
  });

  it('accepts +json content types', () => {
    const result = decodeRecord(
      'events',
      TOPICS.events,
      raw('{"event_type":"x","source":"s"}', { 'content-type': 'application/cloudevents+json; charset=utf-8' }),
    );
    expect(result.ok).toBe(true);
  });

  it('passes tombstones through on the compacted config topic', () => {
    const result = decodeRecord('config', TOPICS.config, { ...raw(null), topic: 'airis.config.v1' });
    expect(result.ok && result.record.value).toBeNull();
  });

  it('names the failing field in a schema violation', () => {
    const result = decodeRecord('metrics', TOPICS.metrics, raw('{"source":"s","metrics":[{"name":"m","value":"1"}]}'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('metrics[0].value');
  });
});

describe('deadLetterMessage', () => {
  it('keeps key, value and original headers, adds the reason, replaces stale DLQ headers', () => {
    const message = deadLetterMessage(
      raw('x', { ce_id: 'a', [DLQ_HEADER.code]: 'OLD' }),
      { code: 'INVALID_JSON', errorClass: 'VALIDATION', reason: 'r'.repeat(5000), attempts: 0 },
      'airis.event-router',
    );
    expect(message.key?.toString()).toBe('src');
    expect(message.value?.toString()).toBe('x');
    expect(message.headers).toMatchObject({
      ce_id: 'a',
      [DLQ_HEADER.code]: 'INVALID_JSON',
      [DLQ_HEADER.errorClass]: 'VALIDATION',
      [DLQ_HEADER.topic]: 'airis.events.v1',
      [DLQ_HEADER.partition]: '2',
      [DLQ_HEADER.offset]: '41',
      [DLQ_HEADER.group]: 'airis.event-router',
    });
    expect(String(message.headers?.[DLQ_HEADER.reason]).length).toBeLessThanOrEqual(2001);
  });
});

describe('TopicNames', () => {
  it('prefixes names with the namespace and maps them back', () => {
    const names = new TopicNames('t1.');
    expect(names.of('alerts')).toBe('t1.airis.alerts.v1');
    expect(names.dlqOf('alerts')).toBe('t1.airis.alerts.v1.dlq');
    expect(names.specOf('t1.airis.alerts.v1')?.id).toBe('alerts');
    expect(names.specOf('airis.alerts.v1')).toBeUndefined();
    expect(names.all()).toHaveLength(2 * Object.keys(TOPICS).length);
  });
});
