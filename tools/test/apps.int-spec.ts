import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES, portVariable } from '@airis/config';
import { type TestContext, createTestContext, freePort, pollUntil } from '@airis/testing';

/*
 * Every app as a real process from the build output: starts, connects to the real broker and
 * FerretDB, reports ready, serves /health/live and /metrics, sends heartbeats, and exits 0 on
 * SIGTERM after a graceful shutdown.
 */
const root = join(__dirname, '../..');

interface Running {
  name: string;
  url: string;
  child: ChildProcess;
  output: string[];
  exit: Promise<number | null>;
}

describe('every app starts, connects, reports ready and stops gracefully', () => {
  let ctx: TestContext;
  const running: Running[] = [];

  beforeAll(() => {
    ctx = createTestContext('apps');
    const built = spawnSync(process.execPath, [join(root, 'tools/build/build.mjs')], { cwd: root, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
  });

  afterAll(async () => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await ctx.cleanup();
  });

  it('starts all of them and each reports ready with Kafka and MongoDB up', async () => {
    for (const name of SERVICE_NAMES) {
      const port = await freePort();
      const child = spawn(process.execPath, [join(root, 'dist/apps', name, 'src/main.js')], {
        cwd: root,
        env: {
          PATH: process.env['PATH'] ?? '',
          ...ctx.serviceEnv({ [portVariable(name)]: String(port), LOG_LEVEL: 'info' }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: string[] = [];
      child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
      child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      running.push({ name, url: `http://127.0.0.1:${port}`, child, output, exit });
    }
    await Promise.all(
      running.map((r) =>
        pollUntil(
          async () => {
            if (r.child.exitCode !== null) throw new Error(`${r.name} exited: ${r.output.join('')}`);
            const res = await fetch(`${r.url}/health/ready`);
            if (!res.ok) return false;
            const body = (await res.json()) as { info: Record<string, { status: string }> };
            return body.info['kafka']?.status === 'up' && body.info['mongodb']?.status === 'up';
          },
          { timeoutMs: 90_000, intervalMs: 250, description: `${r.name} ready` },
        ),
      ),
    );
    expect(running).toHaveLength(SERVICE_NAMES.length);
  });

  it('serves /health/live and Prometheus /metrics on each port', async () => {
    for (const r of running) {
      expect((await fetch(`${r.url}/health/live`)).status).toBe(200);
      const metrics = await fetch(`${r.url}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
      expect(await metrics.text()).toMatch(/^process_cpu_user_seconds_total \d/m);
    }
  });

  it('publishes a heartbeat of each service on airis.health.v1', async () => {
    const health = await ctx.collect('health');
    await pollUntil(() => SERVICE_NAMES.every((name) => health.records.some((r) => r.key === name)), {
      timeoutMs: 30_000,
      description: 'a heartbeat from every service',
    });
    const beat = JSON.parse(health.records.find((r) => r.key === 'notifier')?.value ?? '{}') as Record<string, unknown>;
    expect(beat).toMatchObject({ component: 'notifier', kind: 'service', status: 'healthy' });
    expect(health.records.find((r) => r.key === 'notifier')?.headers['ce_type']).toBe('io.airis.health.v1');
  });

  it('has created every registry topic, as `airis topics --check` confirms', () => {
    const out = execFileSync(
      process.execPath,
      [join(root, 'dist/apps/cli/src/main.js'), 'topics', '--check', '--json'],
      {
        cwd: root,
        env: { PATH: process.env['PATH'] ?? '', KAFKA_BROKERS: ctx.kafkaBrokers, AIRIS_TOPIC_NAMESPACE: ctx.namespace },
        encoding: 'utf8',
      },
    );
    const rows = JSON.parse(out) as { topic: string; exists: boolean }[];
    expect(rows).toHaveLength(18);
    expect(rows.filter((r) => !r.exists)).toEqual([]);
  });

  it('exits 0 on SIGTERM after a graceful shutdown', async () => {
    for (const r of running) r.child.kill('SIGTERM');
    const codes = await Promise.all(running.map((r) => r.exit));
    expect(codes).toEqual(running.map(() => 0));
    for (const r of running) {
      // Prefixed with the app's name, so a failure says which app it was.
      const log = `${r.name}: ${r.output.join('')}`;
      expect(log).toMatch(/SIGTERM received, shutting down/);
      expect(log).toMatch(/producer disconnected/);
      // kafkajs 2.2.4 unpatched warns so from every idle connection (patches/, issue #1751 upstream).
      expect(log).not.toMatch(/TimeoutNegativeWarning/);
      // Start-up is free of kafkajs's warnings about settings the hub chose (PRODUCER_CONFIG).
      expect(log).not.toMatch(/switched default partitioner|Limiting retries for the idempotent producer/);
      // Closing MongoDB at shutdown is logged, not warned.
      expect(log).toMatch(/"level":30[^\n]*"context":"mongodb","msg":"disconnected"/);
      expect(log).not.toMatch(/"level":40[^\n]*"context":"mongodb","msg":"disconnected"/);
    }
  });

  // The machines' system Node (20) is what the guard exists for; elsewhere the unit spec of
  // assertSupportedNode covers it.
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find(
    (p) =>
      existsSync(p) &&
      Number(execFileSync(p, ['-p', 'process.versions.node'], { encoding: 'utf8' }).split('.')[0]) < 24,
  );
  if (oldNode) {
    it(`refuses to run on ${oldNode} (older Node) with a clear message`, () => {
      const run = spawnSync(oldNode, [join(root, 'dist/apps/notifier/src/main.js')], {
        cwd: root,
        env: { PATH: process.env['PATH'] ?? '' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('needs Node.js 24');
    });
  }
});
