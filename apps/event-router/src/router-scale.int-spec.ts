import type { AlertDto, NotificationRequestDto } from '@airis/contracts';
import { ConfigStore } from '@airis/config-store';
import { type RunningService, startService } from '@airis/service';
import {
  type CollectedRecord,
  type TestContext,
  type TopicCollector,
  createTestContext,
  pollUntil,
} from '@airis/testing';
import { PartitionOwnership } from './ingest/partition-ownership.service';
import { routerService } from './service';

/*
 * Two router instances in one consumer group, a rebalance when the second joins and another when
 * the first leaves: windows and alert state follow the partitions, and no alert fires, resolves
 * or is notified twice.
 */
describe('event router, two instances and rebalances', () => {
  let ctx: TestContext;
  const routers: RunningService[] = [];
  let alerts: TopicCollector;
  let notifications: TopicCollector;
  const SOURCES = 24;

  const start = async (): Promise<RunningService> => {
    const def = routerService(
      ctx.serviceEnv({
        ROUTER_TICK_MS: '200',
        ROUTER_DEFAULT_GROUP_WAIT: '1s',
        ROUTER_DEFAULT_GROUP_INTERVAL: '1s',
        ROUTER_CLAIM_TTL_MS: '60000',
      }),
    );
    // Own consumer group (see event-router.int-spec.ts); both instances share it.
    const r = await startService({ ...def, consumer: { ...def.consumer!, groupId: `${ctx.namespace}event-router` } });
    routers.push(r);
    return r;
  };
  const parse = <T>(r: CollectedRecord): T => JSON.parse(r.value ?? 'null') as T;
  const byStatus = (status: string): AlertDto[] =>
    alerts.records.map((r) => parse<AlertDto>(r)).filter((a) => a.status === status);
  const send = (value: number): Promise<void> =>
    ctx.produce(
      'metrics',
      Array.from({ length: SOURCES }, (_, i) => ({
        key: `host-${i}`,
        value: JSON.stringify({ source: `host-${i}`, metrics: [{ name: 'load', value }] }),
      })),
    );
  const owners = async (): Promise<Map<string, string>> => {
    const claims = await (await ctx.mongo()).db(ctx.database).collection('router_partitions').find().toArray();
    return new Map(claims.map((c) => [String(c['_id']), String(c['owner'])]));
  };

  beforeAll(async () => {
    ctx = createTestContext('router-scale');
    await ctx.createTopics();
    alerts = await ctx.collect('alerts');
    notifications = await ctx.collect('notifications');
  });

  afterAll(async () => {
    for (const r of routers) await r.close();
    await ctx.cleanup();
  });

  it('keeps every alert single across a join and a leave', async () => {
    const a = await start();
    const store = a.app.get(ConfigStore);
    await store.put('route', 'root', {
      receiver: 'ops',
      group_by: ['alertname'],
      group_wait: '1s',
      group_interval: '1s',
    });
    await store.put('rule', 'load-high', {
      type: 'threshold',
      name: 'load-high',
      severity: 'warning',
      metric: 'load',
      comparison: '>',
      threshold: 50,
      aggregation: 'avg',
      window: '5s',
      // Rebalances pause consumption for a few seconds; that is not "load went down".
      resolve_after: '20s',
    });
    await pollUntil(
      async () => {
        await send(80);
        return byStatus('firing').length >= SOURCES;
      },
      { intervalMs: 300, timeoutMs: 60_000, description: `${SOURCES} firing` },
    );

    // A second instance joins: partitions are split between the two.
    await start();
    await pollUntil(
      async () => {
        await send(80);
        return new Set((await owners()).values()).size === 2;
      },
      { intervalMs: 300, timeoutMs: 90_000, description: 'partitions claimed by both instances' },
    );
    // The first leaves: the second takes everything over.
    const firstId = a.app.get(PartitionOwnership).instanceId;
    await routers.shift()!.close();
    await pollUntil(
      async () => {
        await send(80);
        const now = [...(await owners()).values()];
        return now.length > 0 && now.every((owner) => owner !== firstId);
      },
      { intervalMs: 300, timeoutMs: 90_000, description: 'partitions claimed by the remaining instance' },
    );
    // Still hot: a few more rounds, then it cools down.
    for (let i = 0; i < 5; i++) await send(80);
    await pollUntil(
      async () => {
        await send(5);
        return byStatus('resolved').length >= SOURCES;
      },
      { intervalMs: 300, timeoutMs: 120_000, description: `${SOURCES} resolved` },
    );

    const firing = byStatus('firing');
    expect(firing).toHaveLength(SOURCES);
    expect(new Set(firing.map((f) => f.fingerprint)).size).toBe(SOURCES);
    const resolved = byStatus('resolved');
    expect(new Set(resolved.map((r) => r.fingerprint)).size).toBe(SOURCES);
    expect(resolved).toHaveLength(SOURCES);
    // Every resolve closes the episode that fired.
    for (const r of resolved) expect(firing.find((f) => f.fingerprint === r.fingerprint)?.id).toBe(r.id);
    const requests = notifications.records.map((r) => parse<NotificationRequestDto>(r));
    expect(new Set(requests.map((r) => r.id)).size).toBe(requests.length);
    // Each fingerprint was notified firing until resolved, resolved at most once.
    const resolvedNotices = requests.flatMap((r) => r.alerts.filter((x) => x.status === 'resolved'));
    expect(new Set(resolvedNotices.map((x) => x.fingerprint)).size).toBe(resolvedNotices.length);
  });
});
