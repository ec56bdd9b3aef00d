import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { NotificationRequestDto } from '@airis/contracts';
import { type TestContext, createTestContext, freePort, pollUntil } from '@airis/testing';
import { FakeProvider } from './testing/fake-provider';
import { testAlert, testNotification } from './testing/harness';

/*
 * Crash durability: the notifier runs as a real process and is SIGKILLed in the middle of a
 * burst of 200 notifications while the endpoint answers 503. After a restart every one of the
 * 200 arrives, and the endpoint (which, like any Standard Webhooks consumer, dedups on
 * webhook-id) accepts each dedup key exactly once.
 */
const root = join(__dirname, '../../..');
const TOTAL = 200;

describe('notifier killed mid-burst', () => {
  let ctx: TestContext;
  let fake: FakeProvider;
  let child: ChildProcess | undefined;
  const output: string[] = [];
  let healthy = false;
  /** 2xx answers per webhook-id: what the consumer acted on. */
  const accepted = new Map<string, number>();
  let duplicatesSeen = 0;

  const startNotifier = async (): Promise<string> => {
    const port = await freePort();
    const proc = spawn(process.execPath, ['-r', '@swc-node/register', join(root, 'apps/notifier/src/main.ts')], {
      cwd: root,
      env: {
        PATH: process.env['PATH'] ?? '',
        SWC_NODE_PROJECT: join(root, 'tsconfig.json'),
        ...ctx.serviceEnv({
          NOTIFIER_PORT: String(port),
          LOG_LEVEL: 'error',
          NOTIFIER_RETRY_SCHEDULE: '200ms,500ms,1s,2s,3s,5s,5s,5s,5s,5s,5s,5s,5s,5s,5s,5s,5s,5s,5s,5s',
          NOTIFIER_POLL_INTERVAL_MS: '100',
          NOTIFIER_BREAKER_RESET_MS: '300',
          NOTIFIER_LEASE_MS: '3000',
          NOTIFIER_HTTP_TIMEOUT_MS: '2000',
          NOTIFIER_SSRF_ALLOW: '127.0.0.1/32',
        }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    proc.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    child = proc;
    const url = `http://127.0.0.1:${port}`;
    await pollUntil(
      async () => {
        if (proc.exitCode !== null) throw new Error(`notifier exited: ${output.join('').slice(-2000)}`);
        const res = await fetch(`${url}/health/ready`).catch(() => undefined);
        return res?.ok === true;
      },
      { timeoutMs: 90_000, intervalMs: 250, description: 'notifier ready' },
    );
    return url;
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  };

  beforeAll(async () => {
    ctx = createTestContext('notifier-crash');
    await ctx.createTopics();
    fake = await new FakeProvider().start();
    fake.route('/sink/', (req) => {
      if (!healthy) return { status: 503, headers: { 'retry-after': '0' } };
      const id = req.headers['webhook-id'] ?? '';
      const seen = accepted.get(id) ?? 0;
      if (seen > 0) duplicatesSeen++;
      accepted.set(id, seen + 1);
      return { status: 200 };
    });
    await ctx.produce('config', [
      {
        key: 'receiver/burst',
        value: JSON.stringify({
          kind: 'receiver',
          id: 'burst',
          revision: 1,
          spec: { name: 'burst', webhook: { url: `${fake.url}/sink/hook` } },
          updated_at: Date.now(),
        }),
      },
    ]);
  });

  afterAll(async () => {
    await kill();
    await fake?.stop();
    await ctx.cleanup();
  });

  it('delivers all 200 after a SIGKILL and a restart, each dedup key accepted once', async () => {
    await startNotifier();
    const ids: string[] = [];
    const messages = Array.from({ length: TOTAL }, (_, i) => {
      const n: NotificationRequestDto = {
        ...testNotification('burst', [testAlert({ id: `alert-${i}`, fingerprint: `fp-${i}` })]),
        id: `burst-${i}-${randomUUID().slice(0, 8)}`,
        group_key: `g-${i % 17}`,
        group_labels: { g: String(i % 17) },
      };
      ids.push(n.id);
      return { key: n.group_key, value: JSON.stringify(n), headers: { ce_id: n.id } };
    });
    await ctx.produce('notifications', messages);

    // Mid-burst: the endpoint is failing and the notifier has work in flight.
    await pollUntil(() => fake.on('/sink/').length >= 10, { timeoutMs: 120_000, description: '10 failed posts' });
    await kill();
    const failedBeforeKill = fake.on('/sink/').length;

    await startNotifier();
    // The endpoint keeps failing for a while after the restart, then recovers.
    await pollUntil(() => fake.on('/sink/').length >= failedBeforeKill + 20, {
      timeoutMs: 90_000,
      description: 'more failed posts after restart',
    });
    healthy = true;

    const db = (await ctx.mongo()).db(ctx.database);
    try {
      await pollUntil(() => accepted.size === TOTAL, {
        timeoutMs: 150_000,
        intervalMs: 250,
        description: `all ${TOTAL} accepted`,
      });
    } catch (error) {
      const docs = await db.collection('notifier_deliveries').find({}).toArray();
      const byStatus: Record<string, number> = {};
      for (const d of docs) {
        const k = `${String(d['status'])}:${String(d['dead_reason'] ?? '')}`;
        byStatus[k] = (byStatus[k] ?? 0) + 1;
      }
      throw new Error(
        `${(error as Error).message}; accepted ${accepted.size}, stored ${docs.length} ${JSON.stringify(byStatus)}; ${output.join('').slice(-1500)}`,
        { cause: error },
      );
    }
    const expected = new Set(ids.map((id) => `${id}/burst/webhook`));
    for (const key of accepted.keys()) expect(expected.has(key)).toBe(true);
    expect(accepted.size).toBe(TOTAL);

    // Delivered: a stored delivery marked so (after a retry), or a first try in the delivery log.
    const delivered = async (): Promise<Set<string>> => {
      const ids = new Set<string>();
      for (const d of await db.collection<{ _id: string; status: string }>('notifier_deliveries').find({}).toArray()) {
        if (d.status === 'delivered') ids.add(d._id);
      }
      for (const log of await db.collection<{ entries: string }>('notifier_attempts').find({}).toArray()) {
        for (const e of JSON.parse(log.entries) as { delivery_id: string; outcome: string }[]) {
          if (e.outcome === 'delivered') ids.add(e.delivery_id);
        }
      }
      return ids;
    };
    await pollUntil(async () => (await delivered()).size === TOTAL, { description: 'every delivery marked delivered' });
    expect([...(await delivered())].every((id) => expected.has(id))).toBe(true);
    expect(await db.collection('notifier_deliveries').countDocuments({ status: { $ne: 'delivered' } })).toBe(0);
    // Re-sends are only what was in flight at the kill (leases), never a second delivery.
    expect(duplicatesSeen).toBeLessThanOrEqual(32);
  }, 300_000);
});
