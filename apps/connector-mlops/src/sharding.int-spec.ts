import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { EventDto, HealthReportDto } from '@airis/contracts';
import { ConfigStore } from '@airis/config-store';
import { ConnectorRuntime } from '@airis/connector-kit';
import { PartitionAssignments, partitionForKey } from '@airis/kafka';
import { type RunningService, startService } from '@airis/service';
import { type TestContext, type TopicCollector, createTestContext, pollUntil } from '@airis/testing';
import type { JsonServer } from './connectors/shared/json-server';
import { sampleMlflowState, startFakeMlflow } from './connectors/mlflow/mlflow.test-server';
import { mlopsService } from './service';

/*
 * Two connector-mlops replicas (two members of the service's consumer group) share 10 MLflow
 * integrations by the partition of airis.commands.v1 each integration's id hashes to: none is
 * polled by both, commands for an integration reach its poller, and when one replica goes away
 * the other polls all 10 within the session timeout (well under 60 s).
 */
jest.setTimeout(600_000);

const IDS = Array.from({ length: 10 }, (_, i) => `mlflow-shard-${i}`);

describe('sharding integrations over two replicas', () => {
  let ctx: TestContext;
  let mlflow: JsonServer;
  let health: TopicCollector;
  let events: TopicCollector;
  const replicas: RunningService[] = [];
  let child: ChildProcess | undefined;

  const start = async (instance: string): Promise<RunningService> => {
    const replica = await startService(
      mlopsService(
        ctx.serviceEnv({
          CONNECTOR_INSTANCE_ID: instance,
          CONNECTOR_SESSION_TIMEOUT_MS: '6000',
          CONNECTOR_HEARTBEAT_INTERVAL_MS: '500',
        }),
      ),
    );
    replicas.push(replica);
    return replica;
  };
  const reports = () =>
    health.records
      .map((r) => JSON.parse(r.value ?? 'null') as HealthReportDto & { _offset?: number })
      .filter((h) => h.kind === 'integration' && IDS.includes(h.component));
  const held = (r: RunningService) => r.app.get(PartitionAssignments).of(ctx.topics.of('commands'));

  beforeAll(async () => {
    ctx = createTestContext('mlops-sharding');
    await ctx.createTopics();
    mlflow = await startFakeMlflow(sampleMlflowState());
    health = await ctx.collect('health');
    events = await ctx.collect('events');
  });

  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await Promise.allSettled(replicas.map((r) => r.close()));
    await mlflow?.close();
    await ctx?.cleanup();
  });

  it('polls each integration on exactly one replica and moves all to the survivor', async () => {
    const a = await start('replica-a');
    const b = await start('replica-b');
    // Both members hold partitions, together all 6, none twice.
    await pollUntil(
      () => {
        const pa = held(a);
        const pb = held(b);
        return pa.length > 0 && pb.length > 0 && new Set([...pa, ...pb]).size === 6 && pa.length + pb.length === 6;
      },
      { timeoutMs: 120_000, description: 'a stable split of the commands partitions' },
    );
    const store = a.app.get(ConfigStore);
    for (const id of IDS) {
      await store.put('integration', id, {
        family: 'mlops',
        type: 'mlflow',
        schedule: { interval_ms: 1000, jitter: 0.2, max_backoff_ms: 2000 },
        settings: { tracking_uri: mlflow.url },
      });
    }
    await pollUntil(
      () => IDS.every((id) => reports().filter((h) => h.component === id && h.status === 'healthy').length >= 3),
      {
        timeoutMs: 120_000,
        description: 'three healthy runs of every integration',
      },
    );

    const pollers = new Map<string, Set<string>>();
    for (const h of reports()) pollers.set(h.component, (pollers.get(h.component) ?? new Set()).add(h.instance ?? '?'));
    const ownerOf = (id: string) => (held(a).includes(partitionForKey(id, 6)) ? 'replica-a' : 'replica-b');
    for (const id of IDS) expect([id, [...(pollers.get(id) ?? [])]]).toEqual([id, [ownerOf(id)]]);
    const byA = IDS.filter((id) => ownerOf(id) === 'replica-a');
    expect(a.app.get(ConnectorRuntime).ownedIntegrations()).toEqual([...byA].sort());
    expect(b.app.get(ConnectorRuntime).ownedIntegrations()).toEqual(IDS.filter((id) => !byA.includes(id)).sort());
    expect(byA.length).toBeGreaterThan(0);
    expect(byA.length).toBeLessThan(10);

    // A command keyed by the integration id lands on its owner.
    await ctx.produce(
      'commands',
      IDS.map((id) => ({
        key: id,
        value: JSON.stringify({
          id: `sync-${id}`,
          target: id,
          action: 'sync-now',
          issued_by: 'test',
          timestamp: Date.now(),
        }),
      })),
    );
    const results = () =>
      events.records
        .map((r) => JSON.parse(r.value ?? 'null') as EventDto)
        .filter((e) => e.event_type === 'integration.command_result');
    await pollUntil(() => results().length >= 10, { timeoutMs: 90_000, description: '10 command results' });
    for (const e of results()) {
      const id = String(e.data?.['integration_id']);
      expect([id, e.data?.['instance'], e.data?.['outcome']]).toEqual([id, ownerOf(id), 'success']);
    }

    // One replica goes away: the survivor takes every integration over.
    const closedAt = Date.now();
    const offsetBefore = health.records.length;
    await b.close();
    await pollUntil(
      () => {
        const after = health.records
          .slice(offsetBefore)
          .map((r) => JSON.parse(r.value ?? 'null') as HealthReportDto)
          .filter((h) => h.instance === 'replica-a' && h.status === 'healthy');
        return IDS.every((id) => after.some((h) => h.component === id && h.timestamp >= closedAt));
      },
      { timeoutMs: 60_000, description: 'replica-a polling all 10 integrations' },
    ).catch((error: unknown) => {
      const runtime = a.app.get(ConnectorRuntime);
      throw new Error(
        `${(error as Error).message}; replica-a holds [${held(a).join(',')}], polls [${runtime.ownedIntegrations().join(',')}]`,
      );
    });
    process.stdout.write(`figure graceful_takeover_ms ${Date.now() - closedAt} ms\n`);
    expect(Date.now() - closedAt).toBeLessThan(60_000);
    expect(held(a)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(a.app.get(ConnectorRuntime).ownedIntegrations()).toEqual([...IDS].sort());
  });

  it('a replica process killed with SIGKILL loses its integrations to the survivor within the session timeout', async () => {
    const a = replicas[0]!;
    const root = resolve(__dirname, '../../..');
    // A real second process, killed without any chance to leave the group.
    child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/connector-mlops/src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        ...ctx.serviceEnv({
          CONNECTOR_INSTANCE_ID: 'replica-c',
          CONNECTOR_SESSION_TIMEOUT_MS: '6000',
          CONNECTOR_HEARTBEAT_INTERVAL_MS: '500',
        }),
        SWC_NODE_PROJECT: resolve(root, 'tsconfig.json'),
      },
      stdio: 'ignore',
    });
    // Wait for a settled split: C polls a share A does not own, since A's last assignment change
    // (a starved child can be dropped and rejoin while it starts up on a busy machine).
    let lastChange = Date.now();
    const unsubscribe = a.app.get(PartitionAssignments).onChange(() => {
      lastChange = Date.now();
    });
    const cShareNow = () =>
      new Set(
        reports()
          .filter((h) => h.instance === 'replica-c' && h.status === 'healthy' && h.timestamp > lastChange + 1000)
          .map((h) => h.component),
      );
    const cShare = await pollUntil(
      () => {
        const share = cShareNow();
        const ownedByA = a.app.get(ConnectorRuntime).ownedIntegrations();
        return held(a).length < 6 && share.size > 0 && [...share].every((id) => !ownedByA.includes(id)) && share;
      },
      { timeoutMs: 120_000, description: 'the second process polling its own share' },
    );
    unsubscribe();
    expect(a.app.get(ConnectorRuntime).ownedIntegrations().length + cShare.size).toBeLessThanOrEqual(10);

    const killedAt = Date.now();
    child.kill('SIGKILL');
    await pollUntil(() => a.app.get(ConnectorRuntime).ownedIntegrations().length === 10, {
      timeoutMs: 60_000,
      description: 'the survivor owning all 10 again',
    });
    const offset = health.records.length;
    await pollUntil(
      () => {
        const after = health.records
          .slice(offset)
          .map((r) => JSON.parse(r.value ?? 'null') as HealthReportDto)
          .filter((h) => h.instance === 'replica-a' && h.status === 'healthy');
        return [...cShare].every((id) => after.some((h) => h.component === id));
      },
      { timeoutMs: 60_000, description: 'replica-a polling the killed process’s integrations' },
    );
    const takeover = Date.now() - killedAt;
    process.stdout.write(`figure sigkill_takeover_ms ${takeover} ms\n`);
    expect(takeover).toBeLessThan(60_000);
  });
});
