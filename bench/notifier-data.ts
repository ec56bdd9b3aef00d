// Shared by the B4 benches (bench/notifier.ts, bench/notifier-cpu.ts).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotificationRequestDto } from '@airis/contracts';
import type { TestContext } from '@airis/testing';
import type { Pool } from 'undici';

/** One notification request of one firing alert, the shape the router publishes. */
export function notification(i: number, tag: string): NotificationRequestDto {
  const now = Date.now();
  return {
    id: `${tag}-${i}`,
    receiver: 'bench',
    group_key: `g-${i % 64}`,
    status: 'firing',
    group_labels: { g: String(i % 64) },
    alerts: [
      {
        id: `a-${tag}-${i}`,
        fingerprint: `fp-${i}`,
        name: 'Inference latency p99 above SLO',
        status: 'firing',
        severity: 'error',
        description: 'p99 812 ms > 500 ms for 5m',
        source: 'kserve',
        alert_type: 'latency',
        model_id: 'fraud-v3',
        environment: 'production',
        labels: { team: 'ml' },
        timestamp: now,
        updated_at: now,
      },
    ],
    timestamp: now,
  };
}

/**
 * The counting sink of the B4 benches on 127.0.0.1: per tag (a body id without its `-<n>`), the
 * arrivals, the first and last arrival (performance.now()) and append→arrival latencies
 * (body.timestamp is the append time); answers 200 to everything.
 */
export interface CountingSink {
  url: string;
  arrivals: Map<string, number>;
  firstAt: Map<string, number>;
  lastAt: Map<string, number>;
  latencies: Map<string, number[]>;
  /** TCP connections accepted so far (keep-alive check). */
  connections(): number;
  close(): Promise<void>;
}

export async function startCountingSink(): Promise<CountingSink> {
  const arrivals = new Map<string, number>();
  const firstAt = new Map<string, number>();
  const lastAt = new Map<string, number>();
  const latencies = new Map<string, number[]>();
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { id: string; timestamp: number };
        const tag = body.id.slice(0, body.id.lastIndexOf('-'));
        arrivals.set(tag, (arrivals.get(tag) ?? 0) + 1);
        const at = performance.now();
        if (!firstAt.has(tag)) firstAt.set(tag, at);
        lastAt.set(tag, at);
        const l = latencies.get(tag) ?? [];
        l.push(now - body.timestamp);
        latencies.set(tag, l);
      } catch {
        // not ours
      }
      res.writeHead(200);
      res.end();
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    firstAt,
    lastAt,
    latencies,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The `bench` receiver: a generic webhook to the sink, loopback allow-listed. */
export async function configureBenchReceiver(ctx: TestContext, sinkUrl: string): Promise<void> {
  await ctx.produce('config', [
    {
      key: 'receiver/bench',
      value: JSON.stringify({
        kind: 'receiver',
        id: 'bench',
        revision: 1,
        spec: { name: 'bench', webhook: { url: `${sinkUrl}/hook` }, ssrf_allow: ['127.0.0.1/32'] },
        updated_at: Date.now(),
      }),
    },
  ]);
}

/** B4's raw arm's bodies: the webhook bodies of `count` notifications of `tag`. */
export function rawBodies(count: number, tag: string): string[] {
  return Array.from({ length: count }, (_, i) => JSON.stringify({ version: '1', ...notification(i, tag) }));
}

/** B4's raw arm: `bodies` POSTed straight to the sink through `pool`, 32 in flight (the notifier's default worker count). */
export async function postRaw(pool: Pool, bodies: string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++] as string;
        const res = await pool.request({
          path: '/hook',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        await res.body.dump();
      }
    }),
  );
}
