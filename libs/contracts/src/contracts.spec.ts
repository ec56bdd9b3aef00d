import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CloudEvent, Kafka } from 'cloudevents';
import {
  EventDto,
  HEADER,
  MetricBatchDto,
  TOPICS,
  allTopicSpecs,
  buildTopicJsonSchemas,
  completeEnvelope,
  decodeEnvelope,
  encodeEnvelope,
  renderJsonSchema,
  validateContract,
} from './index';

const testdata = (file: string): unknown => JSON.parse(readFileSync(join(__dirname, '../testdata', file), 'utf8'));

describe('topic registry', () => {
  it('lists every topic of DESIGN.md §2 with its key', () => {
    expect(Object.fromEntries(allTopicSpecs().map((t) => [t.name, t.key]))).toEqual({
      'airis.metrics.v1': 'source',
      'airis.events.v1': 'source',
      'airis.alerts.v1': 'alert fingerprint',
      'airis.notifications.v1': 'group key',
      'airis.deliveries.v1': 'notification id',
      'airis.health.v1': 'component or integration id',
      'airis.config.v1': 'kind/id',
      'airis.commands.v1': 'target id',
      'airis.audit.v1': 'actor',
    });
  });

  it('versions every name and compacts only the config topic', () => {
    for (const t of allTopicSpecs()) {
      expect(t.name).toMatch(/^airis\.[a-z]+\.v\d+$/);
      expect(t.partitions).toBeGreaterThan(0);
      expect(t.cleanupPolicy).toBe(t.name === 'airis.config.v1' ? 'compact' : 'delete');
    }
    expect(TOPICS.config.tombstones).toBe(true);
  });
});

describe('MetricBatchDto', () => {
  it.each([
    'seed-tensorflow-serving-metrics.json',
    'seed-cloudwatch-sagemaker-metrics.json',
    'seed-github-workflow-metrics.json',
  ])('accepts the seed client payload %s as it is', (file) => {
    const result = validateContract(MetricBatchDto, testdata(file));
    expect(result.ok).toBe(true);
  });

  const good = { timestamp: 1, source: 's', metrics: [{ name: 'm', value: 1, unit: 'ms', tags: { a: 'b' } }] };
  it.each<[string, unknown, string]>([
    ['not an object', [good], ''],
    ['missing source', { ...good, source: undefined }, 'source'],
    ['empty source', { ...good, source: '' }, 'source'],
    ['no metrics', { ...good, metrics: [] }, 'metrics'],
    ['metrics not an array', { ...good, metrics: {} }, 'metrics'],
    ['value not a number', { ...good, metrics: [{ name: 'm', value: '1' }] }, 'metrics[0].value'],
    ['name missing', { ...good, metrics: [{ value: 1 }] }, 'metrics[0].name'],
    ['numeric tag value', { ...good, metrics: [{ name: 'm', value: 1, tags: { a: 1 } }] }, 'metrics[0].tags'],
    ['nested tags', { ...good, metrics: [{ name: 'm', value: 1, tags: { a: { b: 'c' } } }] }, 'metrics[0].tags'],
    ['timestamp in float seconds', { ...good, timestamp: 1.5 }, 'timestamp'],
    ['negative timestamp', { ...good, timestamp: -1 }, 'timestamp'],
    ['timestamp beyond what a Date can hold', { ...good, timestamp: 8.64e15 + 1 }, 'timestamp'],
    ['unknown top-level field', { ...good, extra: true }, 'extra'],
    ['unknown metric field', { ...good, metrics: [{ name: 'm', value: 1, typo: 1 }] }, 'metrics[0].typo'],
    ['source too long', { ...good, source: 'x'.repeat(257) }, 'source'],
  ])('rejects %s, naming the field', (_label, body, field) => {
    const result = validateContract(MetricBatchDto, body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.field)).toContain(field);
  });

  it('accepts a minimal batch (unit, tags and timestamp are optional)', () => {
    expect(validateContract(MetricBatchDto, { source: 's', metrics: [{ name: 'm', value: 0 }] }).ok).toBe(true);
  });
});

describe('EventDto', () => {
  it('accepts the seed shape with arbitrary data', () => {
    const result = validateContract(EventDto, testdata('seed-event.json'));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.data).toEqual({ model: 'churn', version: 7, nested: { ok: true } });
  });

  it.each<[string, unknown, string]>([
    ['bad severity', { event_type: 'e', source: 's', severity: 'high' }, 'severity'],
    ['data as array', { event_type: 'e', source: 's', data: [] }, 'data'],
    ['data as string', { event_type: 'e', source: 's', data: 'x' }, 'data'],
    ['missing event_type', { source: 's' }, 'event_type'],
  ])('rejects %s', (_label, body, field) => {
    const result = validateContract(EventDto, body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.field)).toContain(field);
  });
});

describe('CloudEvents binary envelope', () => {
  const envelope = {
    id: 'evt-1',
    source: 'airis-mon/ingest-gateway',
    type: 'io.airis.event.v1',
    time: '2024-01-01T00:00:00.000Z',
    specversion: '1.0',
    contentType: 'application/json',
    subject: 'model/churn',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  };

  it('writes the ce_* headers the CloudEvents SDK reads back', () => {
    const headers = encodeEnvelope(envelope);
    const message = { key: 'k', value: '{"a":1}', headers, body: '{"a":1}' };
    const event = Kafka.toEvent(message) as CloudEvent<unknown>;
    expect(event).toMatchObject({
      id: 'evt-1',
      source: 'airis-mon/ingest-gateway',
      type: 'io.airis.event.v1',
      specversion: '1.0',
      subject: 'model/churn',
      datacontenttype: 'application/json',
      data: { a: 1 },
    });
    expect(headers[HEADER.traceparent]).toBe(envelope.traceparent);
  });

  it('reads headers the CloudEvents SDK writes (as Buffers, as kafkajs delivers them)', () => {
    const sdk = Kafka.binary(
      new CloudEvent({ id: 'x', source: '/s', type: 't', datacontenttype: 'application/json', data: { a: 1 } }),
    );
    const asBuffers = Object.fromEntries(Object.entries(sdk.headers).map(([k, v]) => [k, Buffer.from(String(v))]));
    expect(decodeEnvelope(asBuffers)).toMatchObject({
      id: 'x',
      source: '/s',
      type: 't',
      specversion: '1.0',
      contentType: 'application/json',
    });
  });

  it('completes the envelope of a plain record without headers', () => {
    expect(
      completeEnvelope(decodeEnvelope(undefined), { id: 't:0:5', source: 's', type: 'io.airis.event.v1', timeMs: 0 }),
    ).toEqual({
      id: 't:0:5',
      source: 's',
      type: 'io.airis.event.v1',
      time: '1970-01-01T00:00:00.000Z',
      specversion: '1.0',
      contentType: 'application/json',
    });
  });
});

describe('generated JSON schemas (docs/contracts)', () => {
  const dir = join(__dirname, '../../../docs/contracts');
  const generated = buildTopicJsonSchemas();

  it('are committed and match the DTOs (run `npm run contracts:generate` after changing a DTO)', () => {
    const committed = readdirSync(dir)
      .filter((f) => f.endsWith('.schema.json'))
      .sort();
    expect(committed).toEqual(generated.map((g) => g.file).sort());
    for (const { file, schema } of generated) {
      expect(readFileSync(join(dir, file), 'utf8')).toBe(renderJsonSchema(schema));
    }
  });

  it('describe the seed ingest shape', () => {
    const metrics = generated.find((g) => g.file === 'airis.metrics.v1.schema.json')?.schema as {
      required: string[];
      properties: Record<string, unknown>;
      definitions: Record<string, { required: string[] }>;
    };
    expect(metrics.required.sort()).toEqual(['metrics', 'source']);
    expect(Object.keys(metrics.properties).sort()).toEqual(['id', 'metrics', 'source', 'timestamp']);
    expect(metrics.definitions['MetricDto']?.required.sort()).toEqual(['name', 'value']);
  });
});
