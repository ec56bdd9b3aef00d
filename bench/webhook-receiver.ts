/*
 * Webhook receiver throughput and latency on the real broker and FerretDB (npm run
 * bench:webhook-receiver). Arms, interleaved 3 times, 3 s each, 10 closed-loop clients:
 *   baseline  POST to an unknown source: the same HTTP stack and routing, no work (404)
 *   verified  signed GitHub workflow_run deliveries, each new: verify, claim in MongoDB,
 *             publish event + metric with acks=all, record the acceptance, answer 200
 * Prints a table, then `ratio` / `figure` lines (medians).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { ConfigStore } from '@airis/config-store';
import { startService } from '@airis/service';
import { createTestContext, pollUntil } from '@airis/testing';
import { webhookReceiverService } from '../apps/webhook-receiver/src/service';
import { runMain } from './run-main';

const ROUNDS = 3;
const DURATION_S = 3;
const CONNECTIONS = 10;

interface ArmResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

async function main(): Promise<void> {
  const ctx = createTestContext('bench-webhook');
  await ctx.createTopics();
  const service = await startService(
    webhookReceiverService(
      ctx.serviceEnv({ LOG_LEVEL: 'silent', AIRIS_MASTER_KEY: randomBytes(32).toString('base64') }),
    ),
  );
  try {
    await pollUntil(async () => {
      await service.app.get(ConfigStore).put('webhook-source', 'gh', {
        provider: 'github',
        secrets: ['bench-secret'],
        rate_limit_per_minute: 100_000,
      });
      return true;
    });
    let n = 0;
    const body = (): string =>
      JSON.stringify({
        action: 'completed',
        workflow_run: {
          id: n,
          name: 'train',
          status: 'completed',
          conclusion: 'success',
          head_branch: 'main',
          created_at: '2026-11-20T10:00:00Z',
          updated_at: '2026-11-20T10:05:00Z',
          actor: { login: 'bench' },
        },
        repository: { full_name: 'acme/bench' },
      });
    const run = async (arm: 'baseline' | 'verified'): Promise<ArmResult> => {
      const url = `${service.url}/webhooks/${arm === 'baseline' ? 'no-such-source' : 'gh'}`;
      const expected = arm === 'baseline' ? 404 : 200;
      const latencies: number[] = [];
      let unexpected = 0;
      const until = performance.now() + DURATION_S * 1000;
      // CONNECTIONS closed loops, each sending its next delivery when the previous is answered.
      const loop = async (): Promise<void> => {
        while (performance.now() < until) {
          n++;
          const b = body();
          const started = performance.now();
          const response = await fetch(url, {
            method: 'POST',
            body: b,
            headers: {
              'content-type': 'application/json',
              'x-github-event': 'workflow_run',
              'x-github-delivery': `bench-${process.pid}-${n}`,
              'x-hub-signature-256': `sha256=${createHmac('sha256', 'bench-secret').update(b).digest('hex')}`,
            },
          });
          await response.arrayBuffer();
          latencies.push(performance.now() - started);
          if (response.status !== expected) unexpected++;
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: CONNECTIONS }, loop));
      const elapsed = (performance.now() - t0) / 1000;
      latencies.sort((a, b) => a - b);
      const at = (q: number): number =>
        Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
      return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), non2xx: unexpected };
    };
    const results: Record<'baseline' | 'verified', ArmResult[]> = { baseline: [], verified: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const arm of ['baseline', 'verified'] as const) results[arm].push(await run(arm));
    }
    console.log('arm       round  req/s    p50 ms  p99 ms  unexpected');
    for (const arm of ['baseline', 'verified'] as const) {
      results[arm].forEach((r, i) =>
        console.log(
          `${arm.padEnd(9)} ${String(i + 1).padEnd(6)} ${r.rps.toFixed(0).padStart(6)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(7)} ${String(r.non2xx).padStart(10)}`,
        ),
      );
    }
    const verifiedRps = median(results.verified.map((r) => r.rps));
    const baselineRps = median(results.baseline.map((r) => r.rps));
    console.log(`ratio webhook_verified_vs_baseline_throughput ${(verifiedRps / baselineRps).toFixed(3)}`);
    console.log(`figure webhook_verified_throughput ${verifiedRps.toFixed(0)} req/s`);
    console.log(`figure webhook_verified_latency_p50 ${median(results.verified.map((r) => r.p50))} ms`);
    console.log(`figure webhook_verified_latency_p99 ${median(results.verified.map((r) => r.p99))} ms`);
    console.log(`figure webhook_baseline_throughput ${baselineRps.toFixed(0)} req/s`);
  } finally {
    await service.close();
    await ctx.cleanup();
  }
}

runMain(main);
