import { randomBytes } from 'node:crypto';
import { type RunningService, startService } from '@airis/service';
import { type TestContext, type TopicCollector, createTestContext, freePort, pollUntil } from '@airis/testing';
import { gatewayService } from '../service';
import { IngestProducer } from './ingest-producer';
import { CuttableNetwork } from '../testing/cuttable-network';

/*
 * The ingest gateway against the real broker and FerretDB: the seed's two endpoints byte for
 * byte, batches, every status code, idempotent retries, and 503 while Kafka cannot ack.
 */

const ADMIN = `test-admin-${randomBytes(12).toString('hex')}`;
const MASTER_KEY = randomBytes(32).toString('base64');

let ctx: TestContext;
let gw: RunningService;
let metrics: TopicCollector;
let events: TopicCollector;
let audit: TopicCollector;
let ingestKey: string;

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(url: string, init: RequestInit & { key?: string } = {}): Promise<Reply> {
  const headers = new Headers(init.headers);
  if (init.key) headers.set('authorization', `Bearer ${init.key}`);
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { raw: text };
  }
  return { status: res.status, headers: res.headers, body };
}

function postJson(
  base: string,
  path: string,
  payload: unknown,
  key?: string,
  extra: Record<string, string> = {},
): Promise<Reply> {
  return call(`${base}${path}`, {
    method: 'POST',
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'application/json', ...extra },
    ...(key ? { key } : {}),
  });
}

async function createKey(scopes: string[], rate?: { per_second: number; burst: number }): Promise<string> {
  const r = await postJson(
    gw.url,
    '/api/v1/api-keys',
    { name: `k-${scopes.join('-')}`, scopes, ...(rate ? { rate_limit: rate } : {}) },
    ADMIN,
  );
  expect(r.status).toBe(201);
  return r.body['key'] as string;
}

const env = (extra: Record<string, string> = {}): Record<string, string> =>
  ctx.serviceEnv({
    AIRIS_BOOTSTRAP_ADMIN_KEY: ADMIN,
    AIRIS_MASTER_KEY: MASTER_KEY,
    INGEST_BODY_LIMIT_BYTES: '65536',
    ...extra,
  });

beforeAll(async () => {
  ctx = createTestContext('gateway-ingest');
  await ctx.createTopics();
  gw = await startService(gatewayService(env()));
  metrics = await ctx.collect('metrics');
  events = await ctx.collect('events');
  audit = await ctx.collect('audit');
  ingestKey = await createKey(['ingest']);
});

afterAll(async () => {
  await gw?.close();
  for (const c of [metrics, events, audit]) await c?.stop();
  await ctx?.cleanup();
});

function recordsWithId(collector: TopicCollector, id: string) {
  return collector.records.filter((r) => r.headers['ce_id'] === id);
}

describe('the seed client payloads, byte for byte', () => {
  it('accepts the TensorFlow Serving collector body (Python json.dumps bytes) and writes it once Kafka acked', async () => {
    // requests.post(json=metrics) serialises with json.dumps' default separators.
    const body =
      '{"timestamp": 1732248000123, "source": "tensorflow-serving-resnet50", "metrics": [{"name": "inference_latency", "value": 12.847213745117188, "unit": "milliseconds", "tags": {"model_name": "resnet50", "model_version": "latest", "framework": "tensorflow"}}]}';
    const r = await postJson(gw.url, '/api/v1/metrics/ingest', body, ingestKey);
    expect(r.status).toBe(200);
    const id = (r.body['ids'] as string[])[0] ?? '';
    const [record] = await pollUntil(() => recordsWithId(metrics, id).length === 1 && recordsWithId(metrics, id));
    expect(record?.key).toBe('tensorflow-serving-resnet50');
    expect(JSON.parse(record?.value ?? '')).toEqual(JSON.parse(body));
    expect(record?.headers['ce_type']).toBe('io.airis.metrics.batch.v1');
  });

  it('accepts the CloudWatch bridge body (integer value, CloudWatch unit)', async () => {
    const body =
      '{"timestamp": 1732247700000, "source": "aws-sagemaker-fraud-detector", "metrics": [{"name": "modellatency", "value": 0, "unit": "Count", "tags": {"endpoint_name": "fraud-detector", "cloud_provider": "aws", "service": "sagemaker"}}]}';
    const r = await postJson(gw.url, '/api/v1/metrics/ingest', body, ingestKey);
    expect(r.status).toBe(200);
    const id = (r.body['ids'] as string[])[0] ?? '';
    const [record] = await pollUntil(() => recordsWithId(metrics, id).length === 1 && recordsWithId(metrics, id));
    expect(JSON.parse(record?.value ?? '')).toEqual(JSON.parse(body));
  });

  it('accepts the seed event shape on /api/v1/events/ingest', async () => {
    const body = {
      timestamp: 1732248000000,
      event_type: 'model_deployed',
      source: 'mlflow',
      severity: 'info',
      data: { model: 'churn', version: 7 },
    };
    const r = await postJson(gw.url, '/api/v1/events/ingest', body, ingestKey);
    expect(r.status).toBe(200);
    const id = (r.body['ids'] as string[])[0] ?? '';
    const [record] = await pollUntil(() => recordsWithId(events, id).length === 1 && recordsWithId(events, id));
    expect(record?.key).toBe('mlflow');
    expect(JSON.parse(record?.value ?? '')).toEqual(body);
  });
});

describe('batches (partial semantics)', () => {
  it('writes the valid items of a JSON array and reports the invalid ones by index (207)', async () => {
    const batch = [
      { source: 'b1', metrics: [{ name: 'a', value: 1 }] },
      { source: 'b1', metrics: [{ name: 'b', value: 'x' }] },
      { source: 'b1', metrics: [{ name: 'c', value: 3 }] },
    ];
    const r = await postJson(gw.url, '/api/v1/metrics/ingest', batch, ingestKey);
    expect(r.status).toBe(207);
    expect(r.body).toMatchObject({ status: 'partial', accepted: 2, rejected: 1 });
    expect(r.body['errors']).toEqual([
      { index: 1, fields: [{ field: 'metrics[0].value', messages: [expect.any(String)] }] },
    ]);
    const ids = r.body['ids'] as (string | null)[];
    expect(ids[1]).toBeNull();
    await pollUntil(() => ids.every((id) => id === null || recordsWithId(metrics, id).length === 1));
  });

  it('takes NDJSON with thousands of metrics, reporting a bad line without dropping the rest', async () => {
    const lines = [];
    for (let i = 0; i < 20; i++) {
      lines.push(
        JSON.stringify({
          source: 'nd',
          metrics: Array.from({ length: 100 }, (_, j) => ({ name: `m${j}`, value: i * j })),
        }),
      );
    }
    lines.splice(5, 0, '{not json');
    const r = await call(`${gw.url}/api/v1/metrics/ingest`, {
      method: 'POST',
      body: lines.join('\n') + '\n',
      headers: { 'content-type': 'application/x-ndjson' },
      key: ingestKey,
    });
    expect(r.status).toBe(207);
    expect(r.body).toMatchObject({ accepted: 20, rejected: 1 });
    expect((r.body['errors'] as { index: number }[])[0]?.index).toBe(5);
  });

  it('answers 400 when no item of a batch is valid', async () => {
    const r = await postJson(gw.url, '/api/v1/events/ingest', [{ source: 'x' }], ingestKey);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('[0].event_type');
  });
});

describe('status codes', () => {
  it('400 with field-level errors and no stack trace', async () => {
    const r = await postJson(
      gw.url,
      '/api/v1/events/ingest',
      { source: '', event_type: 'x', severity: 'fatal', extra: 1 },
      ingestKey,
    );
    expect(r.status).toBe(400);
    const fields = ((r.body['error'] as { fields: { field: string }[] }).fields ?? []).map((f) => f.field).sort();
    expect(fields).toEqual(['extra', 'severity', 'source']);
    expect(JSON.stringify(r.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('400 for malformed JSON', async () => {
    const r = await postJson(gw.url, '/api/v1/metrics/ingest', '{"source": ', ingestKey);
    expect(r.status).toBe(400);
    expect((r.body['error'] as { code: string }).code).toBe('malformed_body');
  });

  it('401 without a key or with an unknown one, each an audit event', async () => {
    const body = { source: 's', metrics: [{ name: 'a', value: 1 }] };
    const none = await postJson(gw.url, '/api/v1/metrics/ingest', body);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const bogusId = 'zzzzzzzzzzzz';
    const bad = await postJson(gw.url, '/api/v1/metrics/ingest', body, `airis_${bogusId}_${'A'.repeat(43)}`);
    expect(bad.status).toBe(401);
    await pollUntil(() =>
      audit.records.some((r) => {
        const v = JSON.parse(r.value ?? '{}') as { actor?: string; outcome?: string; action?: string };
        return v.actor === `api-key:${bogusId}` && v.outcome === 'denied' && v.action === 'api.authenticate';
      }),
    );
  });

  it('403 for a key without the ingest scope; revoked keys get 401', async () => {
    const readKey = await createKey(['read']);
    const body = { source: 's', metrics: [{ name: 'a', value: 1 }] };
    expect((await postJson(gw.url, '/api/v1/metrics/ingest', body, readKey)).status).toBe(403);
    const id = readKey.split('_')[1] ?? '';
    expect((await call(`${gw.url}/api/v1/api-keys/${id}`, { method: 'DELETE', key: ADMIN })).status).toBe(200);
    expect((await postJson(gw.url, '/api/v1/metrics/ingest', body, readKey)).status).toBe(401);
  });

  it('413 above the body limit', async () => {
    const big = {
      source: 's',
      metrics: Array.from({ length: 3000 }, (_, i) => ({ name: `metric_${i}`, value: i, unit: 'seconds' })),
    };
    const r = await postJson(gw.url, '/api/v1/metrics/ingest', big, ingestKey);
    expect(r.status).toBe(413);
    // The key is checked before the body is read: without one the same body is a 401, not a 413.
    const anonymous = await postJson(gw.url, '/api/v1/metrics/ingest', big);
    expect(anonymous.status).toBe(401);
  });

  it('415 for another content type', async () => {
    const r = await call(`${gw.url}/api/v1/metrics/ingest`, {
      method: 'POST',
      body: 'source=s',
      headers: { 'content-type': 'text/plain' },
      key: ingestKey,
    });
    expect(r.status).toBe(415);
    const form = await call(`${gw.url}/api/v1/metrics/ingest`, {
      method: 'POST',
      body: 'source=s',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      key: ingestKey,
    });
    expect(form.status).toBe(415);
  });

  it('429 with Retry-After above the key rate', async () => {
    const slow = await createKey(['ingest'], { per_second: 1, burst: 2 });
    const body = { source: 'rl', metrics: [{ name: 'a', value: 1 }] };
    const statuses: Reply[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await postJson(gw.url, '/api/v1/metrics/ingest', body, slow));
    const limited = statuses.find((s) => s.status === 429);
    expect(limited).toBeDefined();
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s.status === 200).length).toBeLessThanOrEqual(3);
  });
});

describe('Idempotency-Key', () => {
  it('a retry returns the stored response and writes nothing more; another body with the key is 422', async () => {
    const key = `idem-${randomBytes(6).toString('hex')}`;
    const body = { source: 'idem', metrics: [{ name: 'a', value: 1 }] };
    const first = await postJson(gw.url, '/api/v1/metrics/ingest', body, ingestKey, { 'idempotency-key': key });
    expect(first.status).toBe(200);
    const second = await postJson(gw.url, '/api/v1/metrics/ingest', body, ingestKey, { 'idempotency-key': key });
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    const other = await postJson(gw.url, '/api/v1/metrics/ingest', { ...body, source: 'other' }, ingestKey, {
      'idempotency-key': key,
    });
    expect(other.status).toBe(422);
    // A marker acked after both requests on the same partition: once it is there, so would be a duplicate.
    const marker = await postJson(
      gw.url,
      '/api/v1/metrics/ingest',
      { ...body, metrics: [{ name: 'marker', value: 0 }] },
      ingestKey,
    );
    const markerId = (marker.body['ids'] as string[])[0] ?? '';
    await pollUntil(() => recordsWithId(metrics, markerId).length === 1);
    const id = (first.body['ids'] as string[])[0] ?? '';
    expect(recordsWithId(metrics, id)).toHaveLength(1);
  });
});

/** The values of the records keyed `source` on the metrics topic, sorted. */
function valuesOf(source: string): number[] {
  return metrics.records
    .filter((r) => r.key === source)
    .map((r) => (JSON.parse(r.value ?? '{}') as { metrics: { value: number }[] }).metrics[0]?.value ?? NaN)
    .sort((a, b) => a - b);
}

/** Retries with the same Idempotency-Key until acked, as a client does after a 503. */
function retryUntilAcked(base: string, payload: unknown, key: string): Promise<Reply> {
  return pollUntil(
    async () => {
      const r = await postJson(base, '/api/v1/metrics/ingest', payload, ingestKey, { 'idempotency-key': key });
      return r.status === 200 && r;
    },
    { timeoutMs: 90_000, intervalMs: 1000, description: `retry of ${key} acked` },
  );
}

/** Every acked reply's record is on the topic exactly once (after a marker written last has arrived). */
async function expectEachOnce(base: string, source: string, acked: Reply[]): Promise<void> {
  const marker = await postJson(
    base,
    '/api/v1/metrics/ingest',
    { source, metrics: [{ name: 'seq', value: 99 }] },
    ingestKey,
  );
  expect(marker.status).toBe(200);
  const markerId = (marker.body['ids'] as string[])[0] ?? '';
  await pollUntil(() => recordsWithId(metrics, markerId).length === 1, { timeoutMs: 60_000 });
  for (const r of acked) {
    const id = (r.body['ids'] as string[])[0] ?? '';
    expect(recordsWithId(metrics, id)).toHaveLength(1);
  }
}

async function readiness(base: string): Promise<number> {
  return (await fetch(`${base}/health/ready`)).status;
}

// Both modes of the producer pool: in a worker thread (the default), where the test's cut and
// restore reach the worker's own socket factory as messages, and in the application's thread.
describe.each([
  ['in a worker thread', 'true'],
  ['in the application thread', 'false'],
])('Kafka unavailable, producer pool %s', (_mode, thread) => {
  it('answers 503 with Retry-After while the broker is unreachable, 200 after; every acked batch is on the topic exactly once', async () => {
    const source = `outage-${thread}`;
    const network = new CuttableNetwork(await freePort());
    const definition = gatewayService(
      env({ INGEST_ACK_TIMEOUT_MS: '1500', INGEST_RETRY_AFTER_SECONDS: '2', INGEST_PRODUCER_THREAD: thread }),
    );
    const cut = await startService({ ...definition, imports: [...(definition.imports ?? []), network.module()] });
    try {
      const body = (n: number) => ({ source, metrics: [{ name: 'seq', value: n }] });
      const before = await postJson(cut.url, '/api/v1/metrics/ingest', body(1), ingestKey, {
        'idempotency-key': `${source}-1`,
      });
      expect(before.status).toBe(200);

      network.sever();
      const during = await postJson(cut.url, '/api/v1/metrics/ingest', body(2), ingestKey, {
        'idempotency-key': `${source}-2`,
      });
      expect(during.status).toBe(503);
      expect(during.headers.get('retry-after')).toBe('2');
      expect((during.body['error'] as { code: string }).code).toBe('kafka_unavailable');
      const during2 = await postJson(cut.url, '/api/v1/metrics/ingest', body(3), ingestKey, {
        'idempotency-key': `${source}-3`,
      });
      expect(during2.status).toBe(503);

      network.restore();
      const acked: Reply[] = [before];
      acked.push(await retryUntilAcked(cut.url, body(2), `${source}-2`));
      acked.push(await retryUntilAcked(cut.url, body(3), `${source}-3`));
      await expectEachOnce(cut.url, source, acked);
      expect(valuesOf(source)).toEqual([1, 2, 3, 99]);
    } finally {
      network.restore();
      await cut.close();
    }
  });
});

describe('producer thread crash', () => {
  it('rejects the pending send at once (503), refuses while down, and serves 200 again after the respawn; nothing duplicated', async () => {
    const source = 'crash';
    const ackTimeoutMs = 60_000;
    const network = new CuttableNetwork(await freePort());
    const definition = gatewayService(
      env({
        INGEST_ACK_TIMEOUT_MS: String(ackTimeoutMs),
        INGEST_RETRY_AFTER_SECONDS: '3',
        INGEST_PRODUCER_THREAD: 'true',
      }),
    );
    const gwc = await startService({ ...definition, imports: [...(definition.imports ?? []), network.module()] });
    try {
      const producer = gwc.app.get(IngestProducer);
      const body = (n: number) => ({ source, metrics: [{ name: 'seq', value: n }] });
      const before = await postJson(gwc.url, '/api/v1/metrics/ingest', body(1), ingestKey, {
        'idempotency-key': 'crash-1',
      });
      expect(before.status).toBe(200);
      expect(await readiness(gwc.url)).toBe(200);

      // The network is cut first so the pending send cannot have reached the broker: its retry
      // below must then be the only copy on the topic.
      network.sever();
      const started = Date.now();
      const pending = postJson(gwc.url, '/api/v1/metrics/ingest', body(2), ingestKey, {
        'idempotency-key': 'crash-2',
      });
      await pollUntil(() => producer.pendingRequests() === 1, { timeoutMs: 10_000, description: 'send pending' });
      network.crashProducerThread();
      const rejected = await pending;
      expect(rejected.status).toBe(503);
      expect(rejected.headers.get('retry-after')).toBe('3');
      expect((rejected.body['error'] as { code: string }).code).toBe('kafka_unavailable');
      // Answered by the crash, not by the ack deadline.
      expect(Date.now() - started).toBeLessThan(ackTimeoutMs / 2);

      // While the thread is down (its replacement cannot connect through the cut), new
      // requests get 503 at once and readiness is down.
      const down = await postJson(gwc.url, '/api/v1/metrics/ingest', body(3), ingestKey, {
        'idempotency-key': 'crash-3',
      });
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('3');
      expect(await readiness(gwc.url)).toBe(503);

      network.restore();
      const acked: Reply[] = [before];
      acked.push(await retryUntilAcked(gwc.url, body(2), 'crash-2'));
      acked.push(await retryUntilAcked(gwc.url, body(3), 'crash-3'));
      expect(await readiness(gwc.url)).toBe(200);
      await expectEachOnce(gwc.url, source, acked);
      expect(valuesOf(source)).toEqual([1, 2, 3, 99]);
    } finally {
      network.restore();
      await gwc.close();
    }
  });
});
