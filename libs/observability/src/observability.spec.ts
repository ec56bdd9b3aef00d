import { Test } from '@nestjs/testing';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { HotCounter, counter, metricsRegistry } from './metrics';
import { ObservabilityModule, pinoOptions } from './observability.module';
import { ReadinessRegistry } from './readiness';

describe('ReadinessRegistry', () => {
  it('reports each check, a throw or a hang as down with the reason', async () => {
    const registry = new ReadinessRegistry();
    registry.register('ok', () => Promise.resolve({ up: true }));
    registry.register('broken', () => Promise.reject(new Error('connection refused')));
    registry.register('hung', () => new Promise(() => undefined));
    expect(await registry.runAll(50)).toEqual({
      ok: { up: true },
      broken: { up: false, detail: 'connection refused' },
      hung: { up: false, detail: 'no answer within 50 ms' },
    });
  });
});

describe('metrics', () => {
  it('returns the same metric for the same name instead of failing on re-registration', () => {
    const a = counter('airis_test_total', 'test', ['x']);
    expect(counter('airis_test_total', 'test', ['x'])).toBe(a);
  });

  it('HotCounter: plain sums per label value, exposed by the next scrape and get()', async () => {
    const hot = new HotCounter('airis_test_hot_total', 'test', 'kind', ['a', 'b']);
    hot.add('a', 3);
    hot.add('a', 2);
    expect(await metricsRegistry.getSingleMetricAsString('airis_test_hot_total')).toContain(
      'airis_test_hot_total{kind="a"} 5',
    );
    hot.add('b', 1);
    hot.add('a', 1);
    const values = (await hot.metric.get()).values.map((v) => [v.labels['kind'], v.value]);
    expect(values).toEqual(
      expect.arrayContaining([
        ['a', 6],
        ['b', 1],
      ]),
    );
  });
});

describe('pino options', () => {
  it('redact credentials and skip health-check request logs', () => {
    const options = pinoOptions({ service: 'svc', logLevel: 'info' });
    expect(options.redact.paths).toContain('req.headers.authorization');
    expect(options.autoLogging.ignore({ url: '/health/ready?x=1' })).toBe(true);
    expect(options.autoLogging.ignore({ url: '/api/v1/metrics/ingest' })).toBe(false);
  });
});

describe('health endpoints', () => {
  let app: NestFastifyApplication;
  let healthy = true;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ObservabilityModule.forRoot({ service: 'svc', logLevel: 'silent' })],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app
      .get(ReadinessRegistry)
      .register('kafka', () => Promise.resolve(healthy ? { up: true } : { up: false, detail: 'broker unreachable' }));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(() => app.close());

  const get = (url: string) => app.getHttpAdapter().getInstance().inject({ method: 'GET', url });

  it('answer live, ready, and 503 with the reason when a dependency is down', async () => {
    expect((await get('/health/live')).statusCode).toBe(200);
    expect((await get('/health/ready')).statusCode).toBe(200);
    healthy = false;
    const down = await get('/health/ready');
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      status: 'error',
      error: { kafka: { status: 'down', detail: 'broker unreachable' } },
    });
  });

  it('serve Prometheus metrics', async () => {
    const res = await get('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toContain('process_cpu_user_seconds_total');
  });
});
