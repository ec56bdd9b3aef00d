import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPMetricExporter as HttpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { type RunningService, startService } from '@airis/service';
import { type TestContext, type TopicCollector, createTestContext, freePort, pollUntil } from '@airis/testing';
import { gatewayService } from './service';

/*
 * Standard push protocols end to end: the real OpenTelemetry SDK exporters (protobuf and JSON)
 * and a real Prometheus server with remote_write, into airis.metrics.v1 on the real broker.
 */

const ADMIN = `test-admin-${randomBytes(12).toString('hex')}`;
let ctx: TestContext;
let gw: RunningService;
let metrics: TopicCollector;
let key: string;

interface Batch {
  source: string;
  timestamp: number;
  metrics: { name: string; value: number; unit?: string; tags?: Record<string, string> }[];
}

function batchesOf(source: string): Batch[] {
  return metrics.records.filter((r) => r.key === source).map((r) => JSON.parse(r.value ?? '{}') as Batch);
}

function samples(source: string) {
  return batchesOf(source).flatMap((b) => b.metrics);
}

beforeAll(async () => {
  ctx = createTestContext('gateway-push');
  await ctx.createTopics();
  gw = await startService(gatewayService(ctx.serviceEnv({ AIRIS_BOOTSTRAP_ADMIN_KEY: ADMIN })));
  metrics = await ctx.collect('metrics');
  const res = await fetch(`${gw.url}/api/v1/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'push', scopes: ['ingest'] }),
  });
  key = ((await res.json()) as { key: string }).key;
});

afterAll(async () => {
  await gw?.close();
  await metrics?.stop();
  await ctx?.cleanup();
});

async function exportWith(exporter: PushMetricExporter, service: string): Promise<void> {
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'test' }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })],
  });
  const meter = provider.getMeter('airis-test');
  meter.createCounter('inference_requests', { unit: '{request}' }).add(5, { model: 'resnet' });
  meter.createGauge('gpu_utilization', { unit: '%' }).record(87.5, { gpu: '0' });
  const h = meter.createHistogram('inference_latency', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } });
  h.record(5, { model: 'resnet' });
  h.record(50, { model: 'resnet' });
  h.record(500, { model: 'resnet' });
  // shutdown flushes: one export of cumulative data points.
  await provider.shutdown();
}

function expectOtelSamples(service: string): void {
  const all = samples(service);
  const counter = all.find((m) => m.name === 'inference_requests');
  expect(counter).toMatchObject({
    value: 5,
    unit: '{request}',
    tags: { model: 'resnet', 'service.name': service, 'deployment.environment': 'test' },
  });
  expect(all.find((m) => m.name === 'gpu_utilization')).toMatchObject({ value: 87.5, tags: { gpu: '0' } });
  expect(all.find((m) => m.name === 'inference_latency_count')?.value).toBe(3);
  expect(all.find((m) => m.name === 'inference_latency_sum')?.value).toBe(555);
  const buckets = all.filter((m) => m.name === 'inference_latency_bucket').map((m) => [m.tags?.['le'], m.value]);
  expect(buckets.slice(0, 3)).toEqual([
    ['10', 1],
    ['100', 2],
    ['+Inf', 3],
  ]);
}

describe('OTLP/HTTP metrics', () => {
  it('the SDK protobuf exporter yields the expected metrics on airis.metrics.v1', async () => {
    const exporter = new ProtoExporter({ url: `${gw.url}/v1/metrics`, headers: { authorization: `Bearer ${key}` } });
    await exportWith(exporter, 'otel-proto-app');
    await pollUntil(() => samples('otel-proto-app').some((m) => m.name === 'inference_latency_bucket'));
    expectOtelSamples('otel-proto-app');
  });

  it('the SDK JSON exporter yields the same', async () => {
    const exporter = new HttpJsonExporter({ url: `${gw.url}/v1/metrics`, headers: { authorization: `Bearer ${key}` } });
    await exportWith(exporter, 'otel-json-app');
    await pollUntil(() => samples('otel-json-app').some((m) => m.name === 'inference_latency_bucket'));
    expectOtelSamples('otel-json-app');
  });

  it('refuses bad input: undecodable protobuf 400, wrong type 415, no key 401', async () => {
    const post = (body: string | Buffer, type: string, auth = true) =>
      fetch(`${gw.url}/v1/metrics`, {
        method: 'POST',
        body,
        headers: { 'content-type': type, ...(auth ? { authorization: `Bearer ${key}` } : {}) },
      });
    expect((await post(Buffer.from([0xff, 0xff, 0xff]), 'application/x-protobuf')).status).toBe(400);
    expect((await post('{"resourceMetrics": 5}', 'application/json')).status).toBe(400);
    expect((await post('x', 'text/plain')).status).toBe(415);
    expect((await post('{}', 'application/json', false)).status).toBe(401);
  });
});

describe('Prometheus remote write', () => {
  let prometheus: ChildProcess | undefined;
  let dir = '';

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a real Prometheus scraping a local target yields its series on airis.metrics.v1', async () => {
    dir = await mkdtemp(join(tmpdir(), 'airis-prom-'));
    const port = await freePort();
    const target = new URL(gw.url).host;
    await writeFile(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        '  - job_name: airis-gateway-self',
        '    static_configs:',
        `      - targets: ['${target}']`,
        'remote_write:',
        `  - url: ${gw.url}/api/v1/prometheus/write`,
        '    authorization:',
        `      credentials: ${key}`,
        '    queue_config:',
        '      batch_send_deadline: 1s',
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      '/usr/bin/prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    await pollUntil(() => samples('airis-gateway-self').some((m) => m.name === 'up'), {
      timeoutMs: 90_000,
      description: 'the up series of the scrape job via remote write',
    });
    const up = samples('airis-gateway-self').find((m) => m.name === 'up');
    expect(up).toMatchObject({ value: 1, tags: { job: 'airis-gateway-self', instance: target } });
    // The gateway's own process metrics, scraped and written back through the gateway.
    expect(samples('airis-gateway-self').some((m) => m.name === 'process_cpu_seconds_total')).toBe(true);
  });

  it('refuses a body that is not snappy protobuf with 400', async () => {
    const r = await fetch(`${gw.url}/api/v1/prometheus/write`, {
      method: 'POST',
      body: Buffer.from('definitely not snappy'),
      headers: {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        authorization: `Bearer ${key}`,
      },
    });
    expect(r.status).toBe(400);
  });
});

describe('without AIRIS_MASTER_KEY (this gateway has none)', () => {
  it('refuses to store a secret rather than storing it in clear', async () => {
    const r = await fetch(`${gw.url}/api/v1/integrations/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'w', url: 'https://hooks.example.com/x', events: [], secret: 's3cret' }),
    });
    expect(r.status).toBe(503);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('master_key_missing');
  });
});
