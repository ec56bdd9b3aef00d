import type { EventDto } from '@airis/contracts';
import { DLQ_HEADER } from '@airis/kafka';
import { type RunningService, startService } from '@airis/service';
import {
  type CollectedRecord,
  type TestContext,
  type TopicCollector,
  createTestContext,
  pollUntil,
} from '@airis/testing';
import type { Db } from 'mongodb';
import type { DashboardSnapshot } from './dashboard-feed.service';
import type { ComponentDetail, HealthReport } from './health-tracker.service';
import { buildHealthOpenApi } from './health-api.openapi';
import { HistorySweeper } from './history.sweeper';
import { HealthTracker } from './health-tracker.service';
import { healthMonitorService } from './service';
import { Heartbeat, alert, delivery, sendReport } from './testing/heartbeats';

/*
 * The health monitor on the real broker and FerretDB: heartbeats in, status out (API and
 * events), figures, instance roll-up, read models, lag and delivery-rate events, the sweeper,
 * and one effect for every record delivered twice.
 */
const INTERVAL_MS = 300;
const MISSED = 3;
const EVALUATE_MS = 200;

describe('health monitor', () => {
  let ctx: TestContext;
  let service: RunningService;
  let events: TopicCollector;
  let db: Db;
  const beats: Heartbeat[] = [];

  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${service.url}${path}`);
    return { status: res.status, body: (await res.json()) as T };
  };
  const report = async (): Promise<HealthReport> => (await get<HealthReport>('/api/v1/health/integrations')).body;
  const statusOf = async (name: string): Promise<string | undefined> => (await report()).integrations[name]?.status;
  const eventsOf = (type: string, source?: string): (CollectedRecord & { event: EventDto })[] =>
    events.records
      .map((r) => ({ ...r, event: JSON.parse(r.value ?? '{}') as EventDto }))
      .filter((r) => r.event.event_type === type && (source === undefined || r.event.source === source));
  const heartbeat = (component: string, instance?: string): Heartbeat => {
    const hb = new Heartbeat(ctx, component, INTERVAL_MS, instance).start();
    beats.push(hb);
    return hb;
  };

  beforeAll(async () => {
    ctx = createTestContext('health-monitor');
    // Creation is idempotent; the shared broker sometimes answers a metadata request before
    // the new partitions are hosted, so it is retried until it goes through.
    await ctx.createTopics();
    db = (await ctx.mongo()).db(ctx.database);
    service = await startService(
      healthMonitorService(
        ctx.serviceEnv({
          HEALTH_MISSED_INTERVALS: String(MISSED),
          HEALTH_EVALUATE_INTERVAL_MS: String(EVALUATE_MS),
          HEALTH_INSTANCE_EXPIRY_MS: '60000',
          HEALTH_LAG_POLL_INTERVAL_MS: '1000',
          HEALTH_LAG_THRESHOLD: '5',
          // Four attempts: the rate can only be judged once every delivery of the test is in, so
          // the event's figures do not depend on when the check runs.
          HEALTH_DELIVERY_MIN_ATTEMPTS: '4',
          HEALTH_DELIVERY_FAILURE_THRESHOLD: '0.5',
          HEALTH_STREAM_THROTTLE_MS: '100',
        }),
      ),
    );
    events = await ctx.collect('events');
  });

  afterAll(async () => {
    for (const hb of beats) hb.stop();
    await service?.close();
    await ctx.cleanup();
  });

  it('marks a component down when its heartbeats stop, raises the change, and recovers it', async () => {
    heartbeat('alpha');
    const beta = heartbeat('beta');
    await pollUntil(async () => (await statusOf('alpha')) === 'healthy' && (await statusOf('beta')) === 'healthy', {
      description: 'alpha and beta healthy',
    });
    expect((await report()).overall_status).toBe('healthy');

    beta.stop();
    const stoppedAt = Date.now();
    await pollUntil(async () => (await statusOf('beta')) === 'down', { description: 'beta down' });
    // Down after MISSED intervals of silence, give or take an evaluation tick and the last beat in flight.
    const allowed = MISSED * INTERVAL_MS + EVALUATE_MS + 3000;
    expect(Date.now() - stoppedAt).toBeLessThan(allowed);

    const body = await report();
    expect(body.overall_status).toBe('degraded');
    expect(body.integrations['alpha']?.status).toBe('healthy');
    expect(body.integrations['beta']).toMatchObject({ status: 'down', kind: 'service' });
    expect(body.integrations['beta']?.message).toMatch(/^no heartbeat for .+ s \(\d+ intervals of 0\.3 s missed\)$/);
    expect(body.summary).toMatchObject({ down: 1 });
    // The seed's shape, exactly: timestamp, overall_status, integrations.{name}.{status,message}.
    expect(typeof body.timestamp).toBe('number');
    expect(typeof body.integrations['beta']?.message).toBe('string');

    const down = await pollUntil(
      () => eventsOf('service_status_changed', 'beta').find((r) => r.event.data?.['status'] === 'down'),
      { description: 'beta down event on airis.events.v1' },
    );
    expect(down.key).toBe('beta');
    expect(down.event).toMatchObject({
      severity: 'error',
      source: 'beta',
      data: { component: 'beta', kind: 'service', previous_status: 'healthy', status: 'down' },
    });
    expect(down.headers['ce_id']).toBe(down.event.id);

    beta.start();
    await pollUntil(async () => (await statusOf('beta')) === 'healthy', { description: 'beta healthy again' });
    const up = await pollUntil(
      () => eventsOf('service_status_changed', 'beta').find((r) => r.event.data?.['previous_status'] === 'down'),
      { description: 'beta recovery event' },
    );
    expect(up.event).toMatchObject({ severity: 'info', data: { status: 'healthy' } });
    await pollUntil(async () => (await report()).overall_status === 'healthy', { description: 'overall healthy' });

    const detail = (await get<ComponentDetail>('/api/v1/health/integrations/beta')).body;
    expect(detail.history.transitions.map((t) => t.to).slice(0, 3)).toEqual(['healthy', 'down', 'healthy']);
    expect(detail.windows['1h'].availability).toBeLessThan(1);
    expect(detail.windows['1h'].availability).toBeGreaterThan(0);
    expect(detail.instance_list).toEqual([expect.objectContaining({ instance: 'beta-1', status: 'healthy' })]);
    expect(detail.history.series_1h.t).toHaveLength(60);
  });

  it('rolls instances up: one replica of two silent is degraded, both silent is down', async () => {
    const a = heartbeat('gamma', 'gamma-a');
    const b = heartbeat('gamma', 'gamma-b');
    await pollUntil(
      async () => {
        const g = (await report()).integrations['gamma'];
        return g?.status === 'healthy' && g.instances.total === 2;
      },
      { description: 'gamma healthy with two instances' },
    );
    b.stop();
    await pollUntil(async () => (await statusOf('gamma')) === 'degraded', { description: 'gamma degraded' });
    const g = (await report()).integrations['gamma'];
    expect(g?.message).toMatch(/^1 of 2 instances not healthy: gamma-b down/);
    expect(g?.instances).toEqual({ total: 2, healthy: 1 });
    a.stop();
    await pollUntil(async () => (await statusOf('gamma')) === 'down', { description: 'gamma down' });
    expect((await report()).integrations['gamma']?.message).toMatch(/^gamma-a down \(no heartbeat .*; gamma-b down/);
    a.start();
    b.start();
    await pollUntil(async () => (await statusOf('gamma')) === 'healthy', { description: 'gamma healthy again' });
  });

  it('computes figures of integration check results and answers 404 and 400 precisely', async () => {
    const now = Date.now();
    const latencies = [10, 20, 30, 40, 50, 60, 70, 80, 90, 1000];
    for (const [i, latency] of latencies.entries()) {
      await sendReport(ctx, {
        component: 'mlflow-prod',
        kind: 'integration',
        status: i === 9 ? 'down' : 'healthy',
        latency_ms: latency,
        items: 6,
        interval_ms: 60_000,
        ...(i === 9 ? { message: 'HTTP 503 from /api/2.0/mlflow/experiments/search' } : {}),
        timestamp: now - (10 - i) * 1000,
      });
    }
    await sendReport(ctx, {
      component: 'mlflow-prod',
      kind: 'integration',
      status: 'healthy',
      latency_ms: 25,
      items: 6,
      interval_ms: 60_000,
      message: '12 experiments',
      timestamp: now,
    });
    const entry = await pollUntil(
      async () => {
        const e = (await report()).integrations['mlflow-prod'];
        return e && e.windows['1h'].checks === 11 && e.status === 'healthy' && e;
      },
      { description: 'mlflow-prod with 11 checks' },
    );
    expect(entry).toMatchObject({ kind: 'integration', message: '12 experiments', latency_ms: { p50: 50, p95: 1000 } });
    expect(entry.windows['1h']).toMatchObject({ error_rate: 0.0909, items: 66, latency_p50_ms: 50 });
    expect(entry.windows['1h'].throughput_per_min).toBeCloseTo(66 / 60, 2);
    // The list caches 24 h figures for a while; the single-component endpoint computes them.
    const detail = (await get<ComponentDetail>('/api/v1/health/integrations/mlflow-prod')).body;
    expect(detail.windows['24h']).toMatchObject({ checks: 11, items: 66, latency_p95_ms: 1000 });
    expect(entry.last_success).toBe(now);
    await pollUntil(
      () => eventsOf('integration_status_changed', 'mlflow-prod').some((r) => r.event.data?.['status'] === 'down'),
      { description: 'integration down event' },
    );

    const filtered = (await get<HealthReport>('/api/v1/health/integrations?kind=integration')).body;
    expect(Object.keys(filtered.integrations)).toEqual(['mlflow-prod']);

    const missing = await get<{ code: string }>('/api/v1/health/integrations/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('COMPONENT_NOT_FOUND');
    const bad = await get<{ errors: { field: string }[] }>('/api/v1/health/integrations?kind=robot&status=fine');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => e.field).sort()).toEqual(['kind', 'status']);
  });

  it('has one effect when a health report is delivered twice', async () => {
    const id = await sendReport(ctx, {
      component: 'twice',
      kind: 'integration',
      status: 'healthy',
      latency_ms: 5,
      interval_ms: 60_000,
      timestamp: Date.now(),
    });
    await sendReport(
      ctx,
      {
        component: 'twice',
        kind: 'integration',
        status: 'healthy',
        latency_ms: 5,
        interval_ms: 60_000,
        timestamp: Date.now(),
      },
      id,
    );
    // A later marker on the same key (same partition) proves both copies were handled.
    await sendReport(
      ctx,
      { component: 'twice', kind: 'integration', status: 'healthy', interval_ms: 60_000, timestamp: Date.now() },
      `${id}-marker`,
    );
    await pollUntil(
      async () => (await db.collection('health_samples').countDocuments({ _id: `${id}-marker` as never })) === 1,
      {
        description: 'marker stored',
      },
    );
    expect(await db.collection('health_samples').countDocuments({ component: 'twice' })).toBe(2);
    expect((await report()).integrations['twice']?.windows['1h'].checks).toBe(2);
    expect(await db.collection('health_transitions').countDocuments({ component: 'twice' })).toBe(1);
  });

  it('keeps open alerts as a read model; a redelivered or older state has no effect', async () => {
    const firing = alert({ name: 'FeatureDriftDetected' });
    const produceAlert = (a: typeof firing, id: string) =>
      ctx.produce('alerts', [{ key: a.fingerprint, value: JSON.stringify(a), headers: { ce_id: id } }]);
    await produceAlert(firing, 'a1');
    await produceAlert(firing, 'a1'); // twice
    const open = async () => (await get<DashboardSnapshot>('/api/v1/health/dashboard')).body.alerts;
    await pollUntil(async () => (await open()).some((a) => a.fingerprint === firing.fingerprint), {
      description: 'alert open',
    });
    expect(await db.collection('health_alerts').countDocuments({ _id: firing.fingerprint as never })).toBe(1);

    const resolved = { ...firing, status: 'resolved' as const, updated_at: firing.updated_at + 1000 };
    await produceAlert(resolved, 'a2');
    await produceAlert(firing, 'a1'); // an old state arriving late changes nothing
    await produceAlert({ ...alert(), fingerprint: `${firing.fingerprint}-marker` }, 'a3');
    await pollUntil(async () => (await open()).some((a) => a.fingerprint === `${firing.fingerprint}-marker`), {
      description: 'marker alert open',
    });
    expect((await open()).some((a) => a.fingerprint === firing.fingerprint)).toBe(false);
    const stored = await db.collection('health_alerts').findOne({ _id: firing.fingerprint as never });
    expect(stored?.['status']).toBe('resolved');
    expect(stored?.['expiresAt']).toBeInstanceOf(Date);
  });

  it('keeps recent deliveries once each and raises the failed-delivery rate', async () => {
    const ok = delivery({ channel: 'pagerduty' });
    const send = (d: ReturnType<typeof delivery>) =>
      ctx.produce('deliveries', [{ key: d.notification_id, value: JSON.stringify(d) }]);
    await send(ok);
    await send(ok); // twice: one row, one attempt in the rate
    const failures = [1, 2, 3].map((attempt) =>
      delivery({ channel: 'pagerduty', outcome: 'failed', attempt, http_status: 500, error: 'HTTP 500' }),
    );
    for (const f of failures) await send(f);
    const high = await pollUntil(
      () => eventsOf('delivery_failure_rate_high').find((r) => r.event.data?.['channel'] === 'pagerduty'),
      { description: 'delivery_failure_rate_high for pagerduty' },
    );
    expect(high.event).toMatchObject({ severity: 'error', data: { attempts: 4, failures: 3, failure_rate: 0.75 } });
    expect(await db.collection('health_deliveries').countDocuments({ _id: ok.id as never })).toBe(1);
    const snapshot = (await get<DashboardSnapshot>('/api/v1/health/dashboard')).body;
    expect(snapshot.deliveries.recent.map((d) => d.id)).toEqual(
      expect.arrayContaining([ok.id, ...failures.map((f) => f.id)]),
    );
    expect(snapshot.deliveries.channels).toEqual([
      expect.objectContaining({ channel: 'pagerduty', attempts: 4, failures: 3, high: true }),
    ]);
  });

  it('measures the lag of the hub’s consumer groups and raises it above the threshold', async () => {
    // Its own group commits on this namespace's topics: its lag shows on its own card.
    await pollUntil(async () => (await report()).integrations['health-monitor']?.consumer_lag, {
      description: 'consumer lag of health-monitor',
    });
    // A group that committed at the start of the events topic and never read on.
    const admin = ctx.kafka.admin();
    await admin.connect();
    try {
      await ctx.produce(
        'events',
        Array.from({ length: 12 }, (_, i) => ({
          key: 'lag',
          value: JSON.stringify({ event_type: 'x', source: `s${i}` }),
        })),
      );
      const offsets = await admin.fetchTopicOffsets(ctx.topics.of('events'));
      await admin.setOffsets({
        groupId: 'airis.lagging',
        topic: ctx.topics.of('events'),
        partitions: offsets.map((o) => ({ partition: o.partition, offset: o.low })),
      });
      const high = await pollUntil(() => eventsOf('consumer_lag_high', 'lagging')[0], {
        description: 'consumer_lag_high for airis.lagging',
      });
      expect(high.event).toMatchObject({ severity: 'warning', data: { group: 'airis.lagging', threshold: 5 } });
      expect(high.event.data?.['lag']).toBeGreaterThanOrEqual(12);
      expect(high.event.data?.['topics']).toEqual([
        expect.objectContaining({ topic: ctx.topics.of('events'), lag: high.event.data?.['lag'] }),
      ]);
    } finally {
      await admin.deleteGroups(['airis.lagging']).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('dead-letters invalid reports with the reason and keeps consuming', async () => {
    const dlq = await ctx.collect(ctx.topics.dlqOf('health'));
    const bad: [string, unknown][] = [
      ['no-status', { component: 'bad-1', kind: 'service', timestamp: Date.now() }],
      ['bad-kind', { component: 'bad-2', kind: 'robot', status: 'healthy', timestamp: Date.now() }],
      ['bad-status', { component: 'bad-3', kind: 'service', status: 'fine', timestamp: Date.now() }],
      [
        'negative-latency',
        { component: 'bad-4', kind: 'integration', status: 'healthy', latency_ms: -1, timestamp: 1 },
      ],
    ];
    await ctx.produce(
      'health',
      bad.map(([, value]) => ({ key: 'bad', value: JSON.stringify(value) })),
    );
    await sendReport(ctx, { component: 'after-bad', kind: 'integration', status: 'healthy', timestamp: Date.now() });
    await pollUntil(async () => (await statusOf('after-bad')) === 'healthy', { description: 'after-bad healthy' });
    const dead = await dlq.waitFor(bad.length);
    expect(dead.map((r) => r.headers[DLQ_HEADER.code])).toEqual(bad.map(() => 'SCHEMA_VIOLATION'));
    const reasons = dead.map((r) => r.headers[DLQ_HEADER.reason]).join('\n');
    for (const field of ['status', 'kind', 'latency_ms']) expect(reasons).toContain(field);
    const names = Object.keys((await report()).integrations);
    expect(names.filter((n) => n.startsWith('bad-'))).toEqual([]);
  });

  it('documents its API in OpenAPI 3 with the report’s schema', () => {
    const doc = buildHealthOpenApi(service.app);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/health/integrations',
        '/api/v1/health/integrations/{name}',
        '/api/v1/health/stream',
      ]),
    );
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/dashboard'))).toBe(false);
    const ok = doc.paths['/api/v1/health/integrations']?.get?.responses['200'] as {
      content: Record<string, { schema: { required: string[] } }>;
    };
    expect(ok.content['application/json']?.schema.required).toEqual([
      'timestamp',
      'overall_status',
      'summary',
      'integrations',
    ]);
  });

  it('sweeps history past its expiry and keeps the rest', async () => {
    const samples = db.collection('health_samples');
    await samples.insertMany([
      { _id: 'old-sample' as never, component: 'old', t: 1, expiresAt: new Date(Date.now() - 1000) },
      { _id: 'fresh-sample' as never, component: 'old', t: 1, expiresAt: new Date(Date.now() + 60_000) },
    ]);
    const counts = await service.app.get(HistorySweeper).sweep();
    expect(counts.samples).toBe(1);
    expect(await samples.countDocuments({ _id: 'old-sample' as never })).toBe(0);
    expect(await samples.countDocuments({ _id: 'fresh-sample' as never })).toBe(1);
  });

  it('loads its state from MongoDB after a restart', async () => {
    const before = service.app.get(HealthTracker).report().integrations['mlflow-prod'];
    await service.close();
    service = await startService(
      healthMonitorService(
        ctx.serviceEnv({ HEALTH_EVALUATE_INTERVAL_MS: String(EVALUATE_MS), HEALTH_LAG_POLL_INTERVAL_MS: '0' }),
      ),
    );
    const after = (await report()).integrations['mlflow-prod'];
    expect(after?.status).toBe(before?.status);
    expect(after?.windows['1h'].checks).toBe(before?.windows['1h'].checks);
    expect(after?.last_success).toBe(before?.last_success);
  });

  it('forgets a component that has not reported for the whole retention', async () => {
    for (const hb of beats) hb.stop();
    const tracker = service.app.get(HealthTracker);
    expect(tracker.report().integrations['mlflow-prod']).toBeDefined();
    const future = Date.now() + 7 * 86_400_000 + 60_000; // past the default retention of 7 days
    // A tick of the timer may be running; ours runs once it has finished.
    await pollUntil(
      async () => {
        await tracker.tick(future);
        return !('mlflow-prod' in tracker.report().integrations);
      },
      { description: 'mlflow-prod forgotten' },
    );
    // Heartbeats still in flight may bring services back; no integration reports any more.
    const left = Object.entries(tracker.report().integrations).filter(([, e]) => e.kind === 'integration');
    expect(left).toEqual([]);
    expect(await db.collection('health_components').countDocuments({ _id: 'mlflow-prod' as never })).toBe(0);
  });
});
