import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AlertDto, CommandDto, NotificationRequestDto, RouteSpecDto, RuleSpecDto } from '@airis/contracts';
import { ConfigStore } from '@airis/config-store';
import { DLQ_HEADER } from '@airis/kafka';
import { type RunningService, startService } from '@airis/service';
import {
  type CollectedRecord,
  type TestContext,
  type TopicCollector,
  createTestContext,
  pollUntil,
} from '@airis/testing';
import { routerService } from './service';

/* The event router on the real broker and FerretDB: every acceptance item of issue 5. */

const kcat = (brokers: string, topic: string, key: string, value: string | Buffer): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/kcat', ['-P', '-b', brokers, '-t', topic, '-k', key], (error) =>
      error ? reject(new Error(`kcat failed: ${error.message}`)) : resolve(),
    );
    child.stdin?.end(value);
  });

const parse = <T>(r: CollectedRecord): T => JSON.parse(r.value ?? 'null') as T;

describe('event router', () => {
  let ctx: TestContext;
  let router: RunningService | undefined;
  let alerts: TopicCollector;
  let notifications: TopicCollector;

  const env = (): Record<string, string> =>
    ctx.serviceEnv({
      ROUTER_TICK_MS: '200',
      ROUTER_DEFAULT_GROUP_WAIT: '1s',
      ROUTER_DEFAULT_GROUP_INTERVAL: '2s',
      ROUTER_DEFAULT_REPEAT_INTERVAL: '1h',
      AIRIS_DASHBOARD_URL: 'https://airis.example.test',
    });
  const start = async (): Promise<RunningService> => {
    const def = routerService(env());
    // Own consumer group: libs/service names it after the service only, and another spec file
    // running the router at the same time would otherwise share (and rebalance) it.
    router = await startService({ ...def, consumer: { ...def.consumer!, groupId: `${ctx.namespace}event-router` } });
    return router;
  };
  const config = (): ConfigStore => router!.app.get(ConfigStore);
  const rule = (id: string, spec: RuleSpecDto): Promise<unknown> => config().put('rule', id, spec);
  const metric = (source: string, name: string, value: number, tags: Record<string, string> = {}, id?: string) => ({
    key: source,
    value: JSON.stringify({ ...(id ? { id } : {}), source, timestamp: Date.now(), metrics: [{ name, value, tags }] }),
  });
  const alertsOf = (name: string): AlertDto[] =>
    alerts.records.map((r) => parse<AlertDto>(r)).filter((a) => a.name === name);
  const notificationsFor = (alertname: string): NotificationRequestDto[] =>
    notifications.records
      .map((r) => parse<NotificationRequestDto>(r))
      .filter((n) => n.alerts.some((a) => a.labels['alertname'] === alertname));
  const waitAlert = (name: string, status: string, timeoutMs = 60_000): Promise<AlertDto> =>
    pollUntil(() => alertsOf(name).find((a) => a.status === status), {
      timeoutMs,
      description: `${name} ${status} on airis.alerts.v1`,
    });

  beforeAll(async () => {
    ctx = createTestContext('event-router');
    await ctx.createTopics();
    await start();
    alerts = await ctx.collect('alerts');
    notifications = await ctx.collect('notifications');
    const root: RouteSpecDto = {
      receiver: 'team-slack',
      group_by: ['alertname'],
      group_wait: '1s',
      group_interval: '1s',
      repeat_interval: '1h',
      routes: [
        // The seed's "page only critical/high" rule, as route configuration.
        {
          receiver: 'pagerduty',
          matchers: [{ label: 'severity', op: '=~', value: 'critical|high' }],
          continue: true,
        },
        { receiver: 'team-slack' },
      ],
    };
    await config().put('route', 'root', root);
  });

  afterAll(async () => {
    await router?.close();
    await ctx.cleanup();
  });

  it('evaluates a plain JSON record produced with kcat, and dead-letters garbage on both ingest topics', async () => {
    await rule('kcat-gpu', {
      type: 'threshold',
      name: 'kcat-gpu-hot',
      severity: 'warning',
      metric: 'gpu_util',
      comparison: '>',
      threshold: 90,
    });
    const dlqMetrics = await ctx.collect(ctx.topics.dlqOf('metrics'));
    const dlqEvents = await ctx.collect(ctx.topics.dlqOf('events'));
    await kcat(ctx.kafkaBrokers, ctx.topics.of('metrics'), 'kcat-src', Buffer.from([0xff, 0x00, 0x13, 0x37]));
    await kcat(ctx.kafkaBrokers, ctx.topics.of('events'), 'kcat-src', 'not json at all');
    await kcat(
      ctx.kafkaBrokers,
      ctx.topics.of('metrics'),
      'kcat-src',
      JSON.stringify({
        source: 'kcat-src',
        metrics: [
          { name: 'gpu_util', value: 97.5, unit: 'percent', tags: { model_id: 'bert-1', environment: 'prod' } },
        ],
      }),
    );

    const firing = await waitAlert('kcat-gpu-hot', 'firing');
    expect(firing).toMatchObject({
      source: 'kcat-src',
      model_id: 'bert-1',
      environment: 'prod',
      threshold: 90,
      current_value: 97.5,
      severity: 'warning',
      alert_type: 'threshold',
    });
    expect(firing.dashboard_url).toBe(`https://airis.example.test/dashboard?alert=${firing.id}`);
    const [m] = await dlqMetrics.waitFor(1);
    expect(m?.headers[DLQ_HEADER.code]).toBe('INVALID_JSON');
    const [e] = await dlqEvents.waitFor(1);
    expect(e?.headers[DLQ_HEADER.code]).toBe('INVALID_JSON');
    // The record keyed by fingerprint.
    expect(alerts.records.find((r) => parse<AlertDto>(r).id === firing.id)?.key).toBe(firing.fingerprint);
  });

  it('fires a threshold rule only after `for`, and resolves it once clear for resolve_after', async () => {
    await rule('latency-for', {
      type: 'threshold',
      name: 'latency-for',
      severity: 'error',
      metric: 'p99_latency_ms',
      matchers: [{ label: 'environment', op: '!=', value: 'dev' }],
      comparison: '>=',
      threshold: 500,
      aggregation: 'last',
      for: '2s',
      resolve_after: '1s',
    });
    const tags = { environment: 'prod', model_id: 'ranker' };
    await ctx.produce('metrics', [metric('svc-a', 'p99_latency_ms', 900, { environment: 'dev' })]);
    await ctx.produce('metrics', [metric('svc-a', 'p99_latency_ms', 800, tags)]);
    const pending = await waitAlert('latency-for', 'pending');
    // Keep it hot until it fires.
    const firing = await pollUntil(
      async () => {
        await ctx.produce('metrics', [metric('svc-a', 'p99_latency_ms', 850, tags)]);
        return alertsOf('latency-for').find((a) => a.status === 'firing');
      },
      { intervalMs: 300, timeoutMs: 20_000, description: 'latency-for firing' },
    );
    expect(firing.id).toBe(pending.id);
    expect(firing.updated_at - pending.timestamp).toBeGreaterThanOrEqual(2000);
    expect(firing.current_value).toBe(850);
    await ctx.produce('metrics', [metric('svc-a', 'p99_latency_ms', 120, tags)]);
    const resolved = await waitAlert('latency-for', 'resolved');
    expect(resolved.id).toBe(firing.id);
    expect(resolved.ends_at).toBeGreaterThanOrEqual(firing.updated_at);
    // The dev series never matched.
    expect(alertsOf('latency-for').every((a) => a.labels['environment'] === 'prod')).toBe(true);
  });

  it('counts a metric batch delivered twice once in its window', async () => {
    await rule('errors-sum', {
      type: 'threshold',
      name: 'errors-sum',
      severity: 'warning',
      metric: 'errors',
      comparison: '>',
      threshold: 15,
      aggregation: 'sum',
      window: '1m',
    });
    // Same CloudEvents id twice (as a producer retry would): 10, not 20.
    const dup = { ...metric('svc-dup', 'errors', 10), headers: { ce_id: 'batch-dup-1' } };
    await ctx.produce('metrics', [dup]);
    await ctx.produce('metrics', [dup]);
    // And a plain record with the same body `id` twice.
    await ctx.produce('metrics', [
      metric('svc-dup', 'errors', 1, {}, 'body-id-1'),
      metric('svc-dup', 'errors', 1, {}, 'body-id-1'),
    ]);
    await ctx.produce('metrics', [metric('svc-dup', 'errors', 5, {}, 'batch-dup-2')]);
    const firing = await waitAlert('errors-sum', 'firing');
    expect(firing.current_value).toBe(16);
  });

  it('groups 50 alerts that fire within group_wait into one notification request', async () => {
    await rule('replica-down', {
      type: 'threshold',
      name: 'replica-down',
      severity: 'warning',
      metric: 'replica_up',
      comparison: '<',
      threshold: 1,
      labels: { team: 'serving' },
    });
    await ctx.produce(
      'metrics',
      Array.from({ length: 50 }, (_, i) => metric(`node-${i}`, 'replica_up', 0, { replica: `r${i}` })),
    );
    const [request] = await pollUntil(
      () => {
        const n = notificationsFor('replica-down');
        return n.length > 0 && n;
      },
      { description: 'a notification for replica-down' },
    );
    expect(request?.receiver).toBe('team-slack');
    expect(request?.status).toBe('firing');
    expect(request?.group_labels).toEqual({ alertname: 'replica-down' });
    expect(request?.alerts).toHaveLength(50);
    expect(new Set(request?.alerts.map((a) => a.fingerprint)).size).toBe(50);
    // One group_interval later the group is flushed again with nothing new: still one request.
    const groups = (await ctx.mongo()).db(ctx.database).collection('router_groups');
    const seq = ((await groups.findOne({ group_key: request?.group_key })) as { seq: number } | null)?.seq ?? 0;
    await pollUntil(
      async () =>
        (((await groups.findOne({ group_key: request?.group_key })) as { seq: number } | null)?.seq ?? 0) > seq + 1,
      {
        description: 'two more flushes of the group',
      },
    );
    expect(notificationsFor('replica-down')).toHaveLength(1);
    expect(alertsOf('replica-down').filter((a) => a.status === 'firing')).toHaveLength(50);
  });

  it('pages critical alerts through the pagerduty route and keeps notifying the team', async () => {
    await rule('disk-full', {
      type: 'threshold',
      name: 'disk-full',
      severity: 'critical',
      metric: 'disk_used_ratio',
      comparison: '>',
      threshold: 0.95,
    });
    await ctx.produce('metrics', [metric('host-9', 'disk_used_ratio', 0.99)]);
    const requests = await pollUntil(
      () => {
        const n = notificationsFor('disk-full');
        return n.length >= 2 && n;
      },
      { description: 'pagerduty and slack notifications for disk-full' },
    );
    expect(requests.map((r) => r.receiver).sort()).toEqual(['pagerduty', 'team-slack']);
    expect(notificationsFor('replica-down').every((r) => r.receiver !== 'pagerduty')).toBe(true);
  });

  it('suppresses a silenced alert', async () => {
    const now = Date.now();
    await config().put('silence', 'maintenance', {
      matchers: [{ label: 'alertname', op: '=', value: 'silenced-cpu' }],
      starts_at: now - 1000,
      ends_at: now + 3_600_000,
      created_by: 'ops',
    });
    await rule('silenced-cpu', {
      type: 'threshold',
      name: 'silenced-cpu',
      severity: 'warning',
      metric: 'cpu',
      comparison: '>',
      threshold: 1,
    });
    await rule('loud-mem', {
      type: 'threshold',
      name: 'loud-mem',
      severity: 'warning',
      metric: 'mem',
      comparison: '>',
      threshold: 1,
    });
    await ctx.produce('metrics', [metric('box-1', 'cpu', 5)]);
    await waitAlert('silenced-cpu', 'firing');
    await ctx.produce('metrics', [metric('box-1', 'mem', 5)]);
    await pollUntil(() => notificationsFor('loud-mem').length > 0, { description: 'loud-mem notified' });
    const groups = (await ctx.mongo()).db(ctx.database).collection('router_groups');
    await pollUntil(
      async () => (await groups.findOne({ 'group_labels.alertname': 'silenced-cpu', flushed: true })) !== null,
      {
        description: 'silenced-cpu group flushed',
      },
    );
    expect(notificationsFor('silenced-cpu')).toHaveLength(0);
  });

  it('suppresses an inhibited alert while its source fires, with equal labels', async () => {
    await config().put('inhibit_rule', 'zone-down', {
      source_matchers: [{ label: 'alertname', op: '=', value: 'zone-down' }],
      target_matchers: [{ label: 'alertname', op: '=', value: 'model-slow' }],
      equal: ['zone'],
    });
    await config().put('route', 'root', {
      receiver: 'team-slack',
      group_by: ['zone'],
      group_wait: '1s',
      group_interval: '1s',
      repeat_interval: '1h',
    });
    await rule('zone-down', {
      type: 'threshold',
      name: 'zone-down',
      severity: 'warning',
      metric: 'zone_up',
      comparison: '<',
      threshold: 1,
    });
    await rule('model-slow', {
      type: 'threshold',
      name: 'model-slow',
      severity: 'warning',
      metric: 'model_latency',
      comparison: '>',
      threshold: 100,
    });
    await ctx.produce('metrics', [metric('zone-a', 'zone_up', 0, { zone: 'a' })]);
    await waitAlert('zone-down', 'firing');
    await ctx.produce('metrics', [
      metric('model-a', 'model_latency', 500, { zone: 'a' }),
      metric('model-b', 'model_latency', 500, { zone: 'b' }),
    ]);
    await pollUntil(() => notificationsFor('model-slow').some((n) => n.group_labels['zone'] === 'b'), {
      description: 'model-slow in zone b notified',
    });
    const zoneA = await pollUntil(
      () =>
        notifications.records.map((r) => parse<NotificationRequestDto>(r)).find((n) => n.group_labels['zone'] === 'a'),
      {
        description: 'zone a notified',
      },
    );
    expect(zoneA.alerts.map((a) => a.name)).toEqual(['zone-down']);
    expect(notificationsFor('model-slow').every((n) => n.group_labels['zone'] === 'b')).toBe(true);
  });

  it('acknowledges and unacknowledges by alert id and resolves by fingerprint through airis.commands.v1, once each', async () => {
    await rule('ack-me', {
      type: 'threshold',
      name: 'ack-me',
      severity: 'error',
      metric: 'queue_depth',
      comparison: '>',
      threshold: 10,
    });
    await ctx.produce('metrics', [metric('queue-1', 'queue_depth', 50)]);
    const firing = await waitAlert('ack-me', 'firing');
    const command = (action: string, target: string, id = randomUUID()): { key: string; value: string } => {
      const body: CommandDto = { id, target, action, issued_by: 'slack:U024BE7LH', timestamp: Date.now() };
      return { key: target, value: JSON.stringify(body) };
    };
    const ack = command('acknowledge', firing.id);
    await ctx.produce('commands', [ack, ack]);
    const acked = await waitAlert('ack-me', 'acknowledged');
    expect(acked).toMatchObject({ id: firing.id, acknowledged_by: 'slack:U024BE7LH' });
    const stored = (await ctx.mongo()).db(ctx.database).collection('router_alerts');
    expect(await stored.findOne({ _id: firing.fingerprint as never })).toMatchObject({ status: 'acknowledged' });
    await ctx.produce('commands', [command('unacknowledge', firing.id)]);
    await pollUntil(() => alertsOf('ack-me').filter((a) => a.status === 'firing').length === 2, {
      description: 'ack-me firing again after unacknowledge',
    });
    expect(alertsOf('ack-me').at(-1)?.acknowledged_by).toBeUndefined();
    await ctx.produce('commands', [command('resolve', firing.fingerprint)]);
    await waitAlert('ack-me', 'resolved');
    expect(alertsOf('ack-me').filter((a) => a.status === 'acknowledged')).toHaveLength(1);
    // The condition still holds, but a hand-resolved alert does not come back until it clears.
    await ctx.produce('metrics', [metric('queue-1', 'queue_depth', 60)]);
    await pollUntil(
      async () =>
        ((await stored.findOne({ _id: firing.fingerprint as never })) as { manual_hold?: boolean } | null)
          ?.manual_hold === true,
    );
    expect(alertsOf('ack-me').filter((a) => a.status === 'firing')).toHaveLength(2);
    expect(new Set(alertsOf('ack-me').map((a) => a.id))).toEqual(new Set([firing.id]));
  });

  it('fires event rules on matching events and absence rules on silent sources', async () => {
    await rule('deploy-failed', {
      type: 'event',
      name: 'deploy-failed',
      severity: 'error',
      matchers: [
        { label: 'event_type', op: '=', value: 'deployment_failed' },
        { label: 'data.stage', op: '=~', value: 'prod.*' },
      ],
      resolve_after: '1s',
    });
    await rule('heartbeat-missing', {
      type: 'absence',
      name: 'heartbeat-missing',
      severity: 'warning',
      metric: 'heartbeat',
      for: '1s',
    });
    await ctx.produce('events', [
      {
        key: 'argo',
        value: JSON.stringify({ source: 'argo', event_type: 'deployment_failed', data: { stage: 'staging' } }),
      },
      {
        key: 'argo',
        value: JSON.stringify({
          source: 'argo',
          event_type: 'deployment_failed',
          severity: 'error',
          data: { stage: 'prod-eu', message: 'rollout failed' },
        }),
      },
    ]);
    const event = await waitAlert('deploy-failed', 'firing');
    expect(event.description).toBe('rollout failed');
    await waitAlert('deploy-failed', 'resolved');
    expect(alertsOf('deploy-failed').filter((a) => a.status === 'firing')).toHaveLength(1);

    await ctx.produce('metrics', [metric('trainer-7', 'heartbeat', 1)]);
    const absent = await waitAlert('heartbeat-missing', 'firing');
    expect(absent.source).toBe('trainer-7');
    await ctx.produce('metrics', [metric('trainer-7', 'heartbeat', 1)]);
    await waitAlert('heartbeat-missing', 'resolved');
  });

  it('loses and duplicates no firing alert when restarted mid-stream', async () => {
    await rule('restart-hot', {
      type: 'threshold',
      name: 'restart-hot',
      severity: 'warning',
      metric: 'temp',
      comparison: '>',
      threshold: 70,
      window: '1m',
    });
    const send = (from: number, to: number) =>
      ctx.produce(
        'metrics',
        Array.from({ length: to - from }, (_, i) => metric(`rack-${(from + i) % 20}`, 'temp', 80 + ((from + i) % 5))),
      );
    await send(0, 200);
    await pollUntil(() => alertsOf('restart-hot').filter((a) => a.status === 'firing').length === 20, {
      description: '20 firing before restart',
    });
    await router!.close();
    await send(200, 600);
    await start();
    await send(600, 800);
    const stored = (await ctx.mongo()).db(ctx.database).collection('router_alerts');
    await pollUntil(
      async () => (await stored.countDocuments({ rule_id: 'restart-hot', outbox: false, status: 'firing' })) === 20,
      {
        description: '20 firing alerts stored after restart',
      },
    );
    // Ten more evaluation rounds after that: a duplicate would have been published by now.
    const ticks = async (): Promise<number> => {
      const text = await (await fetch(`${router!.url}/metrics`)).text();
      return Number(/airis_router_tick_duration_seconds_count(?:\{[^}]*\})? (\d+)/.exec(text)?.[1] ?? 0);
    };
    const base = await ticks();
    await pollUntil(async () => (await ticks()) >= base + 10, { description: '10 more ticks' });
    expect(await stored.countDocuments({ rule_id: 'restart-hot' })).toBe(20);
    const firing = alertsOf('restart-hot').filter((a) => a.status === 'firing');
    expect(new Set(firing.map((a) => a.fingerprint)).size).toBe(20);
    expect(firing).toHaveLength(20);
    expect(alertsOf('restart-hot').filter((a) => a.status === 'resolved')).toHaveLength(0);
  });
});
