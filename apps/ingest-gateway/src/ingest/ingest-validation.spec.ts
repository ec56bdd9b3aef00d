import { EventDto, MetricBatchDto, validateContract, validateEvent, validateMetricBatch } from '@airis/contracts';
import { parseNdjson } from './ingest.routes';
import { ParseFailure, deterministicId } from './ingest.usecase';

const good = {
  timestamp: 1732248000000,
  source: 's',
  metrics: [{ name: 'm', value: 1.5, unit: 'ms', tags: { a: 'b' } }],
};

const metricCases: [string, unknown][] = [
  ['the seed shape', good],
  ['no timestamp', { source: 's', metrics: [{ name: 'm', value: 1 }] }],
  ['an id', { ...good, id: 'abc' }],
  ['not an object', 42],
  ['an array', [good]],
  ['null', null],
  ['no source', { metrics: good.metrics }],
  ['empty source', { ...good, source: '' }],
  ['source too long', { ...good, source: 'x'.repeat(257) }],
  ['numeric source', { ...good, source: 7 }],
  ['float timestamp', { ...good, timestamp: 1.5 }],
  ['negative timestamp', { ...good, timestamp: -1 }],
  ['timestamp beyond what a Date can hold', { ...good, timestamp: 8.64e15 + 1 }],
  ['string timestamp', { ...good, timestamp: '1732248000000' }],
  ['no metrics', { source: 's' }],
  ['empty metrics', { ...good, metrics: [] }],
  ['metrics not an array', { ...good, metrics: {} }],
  ['metric not an object', { ...good, metrics: [5] }],
  ['metric without name', { ...good, metrics: [{ value: 1 }] }],
  ['metric with empty name', { ...good, metrics: [{ name: '', value: 1 }] }],
  ['string value', { ...good, metrics: [{ name: 'm', value: '1' }] }],
  ['null value', { ...good, metrics: [{ name: 'm', value: null }] }],
  ['null tags and unit', { ...good, metrics: [{ name: 'm', value: 1, unit: null, tags: null }] }],
  ['null timestamp', { ...good, timestamp: null }],
  ['unit not a string', { ...good, metrics: [{ name: 'm', value: 1, unit: 5 }] }],
  ['unit too long', { ...good, metrics: [{ name: 'm', value: 1, unit: 'u'.repeat(65) }] }],
  ['numeric tag value', { ...good, metrics: [{ name: 'm', value: 1, tags: { a: 1 } }] }],
  ['tags an array', { ...good, metrics: [{ name: 'm', value: 1, tags: ['a'] }] }],
  [
    'too many tags',
    {
      ...good,
      metrics: [
        { name: 'm', value: 1, tags: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) },
      ],
    },
  ],
  ['unknown batch field', { ...good, extra: 1 }],
  ['unknown metric field', { ...good, metrics: [{ name: 'm', value: 1, type: 'gauge' }] }],
  [
    'unknown metric field among known ones',
    { ...good, metrics: [{ name: 'm', value: 1, unit: 'ms', tags: {}, x: 1 }] },
  ],
];

const eventCases: [string, unknown][] = [
  ['the seed shape', { timestamp: 1, event_type: 'deploy', source: 's', severity: 'critical', data: { a: [1] } }],
  ['minimal', { event_type: 'deploy', source: 's' }],
  ['bad severity', { event_type: 'deploy', source: 's', severity: 'fatal' }],
  ['data an array', { event_type: 'deploy', source: 's', data: [] }],
  ['data null', { event_type: 'deploy', source: 's', data: null }],
  ['severity null', { event_type: 'deploy', source: 's', severity: null }],
  ['no event_type', { source: 's' }],
  ['unknown field', { event_type: 'deploy', source: 's', tags: {} }],
];

describe('fast ingest validators', () => {
  it.each(metricCases)('metric batch with %s: same verdict and fields as the contract DTO', (_label, body) => {
    const fast = validateMetricBatch(body);
    const dto = validateContract(MetricBatchDto, body);
    expect(fast.ok).toBe(dto.ok);
    // Same fields, except where class-validator also descends into a non-array (`metrics.name`).
    if (!fast.ok && !dto.ok) {
      expect(fast.errors.length).toBeGreaterThan(0);
      expect(dto.errors.map((e) => e.field)).toEqual(expect.arrayContaining(fast.errors.map((e) => e.field)));
    }
  });

  it.each(eventCases)('event with %s: same verdict and fields as the contract DTO', (_label, body) => {
    const fast = validateEvent(body);
    const dto = validateContract(EventDto, body);
    expect(fast.ok).toBe(dto.ok);
    // Same fields, except where class-validator also descends into a non-array (`metrics.name`).
    if (!fast.ok && !dto.ok) {
      expect(fast.errors.length).toBeGreaterThan(0);
      expect(dto.errors.map((e) => e.field)).toEqual(expect.arrayContaining(fast.errors.map((e) => e.field)));
    }
  });
});

describe('NDJSON', () => {
  it('parses lines, skips blank ones and turns a bad line into a ParseFailure at its index', () => {
    const items = parseNdjson('{"a":1}\n\n{bad\r\n{"b":2}\n');
    expect(items).toHaveLength(3);
    expect(items[0]).toEqual({ a: 1 });
    expect(items[1]).toBeInstanceOf(ParseFailure);
    expect(items[2]).toEqual({ b: 2 });
  });
});

describe('deterministic event ids', () => {
  it('are stable per (key, Idempotency-Key, index) and differ otherwise', () => {
    const id = deterministicId('k1', 'idem', 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicId('k1', 'idem', 0)).toBe(id);
    expect(deterministicId('k1', 'idem', 1)).not.toBe(id);
    expect(deterministicId('k2', 'idem', 0)).not.toBe(id);
    expect(deterministicId('k1', 'other', 0)).not.toBe(id);
  });
});
