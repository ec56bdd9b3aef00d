/*
 * B4 — notifier throughput and latency (`npm run bench:notifier`).
 *
 * Arms, interleaved (--rounds, default 3; median reported):
 *   raw      — an undici Pool POSTing the same webhook bodies straight to the counting sink
 *              (32 in flight, the notifier's default worker count): the ceiling.
 *   notifier — the notifier in-process on the real broker and FerretDB draining a pre-seeded
 *              airis.notifications.v1: --notifications (default 4000) are appended while
 *              no notifier runs, then the notifier starts and consumes them a batch at a time,
 *              POSTs them to the sink, stores them and logs every attempt. Deliveries/s from the
 *              first arrival to the last (the consumer group's start-up is not throughput).
 * Then open-loop runs (appends on a fixed schedule) for the p99 from Kafka append to sink arrival:
 * at half the raw maximum (the figure, `figure b4_p99_ms`) and at half the notifier's own
 * maximum (`figure b4_p99_half_notifier_max_ms`).
 */
import { type RunningService, startService } from '@airis/service';
import { createTestContext, pollUntil } from '@airis/testing';
import { Command } from 'commander';
import { Pool } from 'undici';
import { notifierService } from '../apps/notifier/src/service';
import { configureBenchReceiver, notification, postRaw, rawBodies, startCountingSink } from './notifier-data';
import { runMain } from './run-main';

const options = new Command()
  .option('--rounds <n>', 'interleaved rounds of both arms', '3')
  .option('--notifications <n>', 'notifications per round (the pre-seeded drain)', '4000')
  .option('--open-loop-seconds <n>', 'length of each open-loop run', '3')
  .option('--open-loop-max <n>', 'cap on the notifications of an open-loop run', '10000')
  .parse()
  .opts<{ rounds: string; notifications: string; openLoopSeconds: string; openLoopMax: string }>();
const ROUNDS = Number(options.rounds);
const BATCH = Number(options.notifications);
const OPEN_LOOP_SECONDS = Number(options.openLoopSeconds);
const OPEN_LOOP_MAX = Number(options.openLoopMax);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};

async function main(): Promise<void> {
  const sink = await startCountingSink();
  const { arrivals, firstAt, lastAt, latencies } = sink;
  const sinkUrl = sink.url;

  const ctx = createTestContext('bench-b4');
  await ctx.createTopics();
  await configureBenchReceiver(ctx, sinkUrl);
  let service: RunningService | undefined;
  const pool = new Pool(sinkUrl, { connections: 32 });
  const start = async (): Promise<RunningService> =>
    startService(
      notifierService(ctx.serviceEnv({ LOG_LEVEL: 'error', NOTIFIER_POLL_INTERVAL_MS: '100', NOTIFIER_WORKERS: '32' })),
    );
  try {
    const raw = async (tag: string): Promise<number> => {
      const bodies = rawBodies(BATCH, tag);
      const started = performance.now();
      await postRaw(pool, bodies);
      return BATCH / ((performance.now() - started) / 1000);
    };

    // The topic is seeded while no notifier runs; the notifier then drains it.
    const viaNotifier = async (tag: string): Promise<number> => {
      const messages = Array.from({ length: BATCH }, (_, i) => {
        const n = notification(i, tag);
        return { key: n.group_key, value: JSON.stringify(n), headers: { ce_id: n.id } };
      });
      for (let i = 0; i < messages.length; i += 1000) await ctx.produce('notifications', messages.slice(i, i + 1000));
      const running = await start();
      try {
        await pollUntil(() => (arrivals.get(tag) ?? 0) >= BATCH, {
          timeoutMs: 300_000,
          intervalMs: 20,
          description: `${BATCH} arrivals of ${tag}`,
        });
      } finally {
        await running.close();
      }
      const seconds = ((lastAt.get(tag) ?? 0) - (firstAt.get(tag) ?? 0)) / 1000;
      return (BATCH - 1) / Math.max(seconds, 1e-3);
    };

    // Warm-up (connections, JIT, indexes), not measured.
    await raw('warm-raw');
    await viaNotifier('warm-notifier');

    const rawRates: number[] = [];
    const notifierRates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      rawRates.push(await raw(`raw${r}`));
      notifierRates.push(await viaNotifier(`nt${r}`));
    }
    const rawMax = median(rawRates);
    const notifierMax = median(notifierRates);

    const fmt = (n: number): string => n.toFixed(1).padStart(10);
    console.log(
      `\nB4 notifier — deliveries/s, ${BATCH} per round, notifier draining a pre-seeded topic (median of ${ROUNDS} interleaved rounds)`,
    );
    console.log('arm        ' + rawRates.map((_, i) => `   round ${i + 1}`).join('') + '     median');
    console.log('raw undici ' + rawRates.map(fmt).join('') + fmt(rawMax));
    console.log('notifier   ' + notifierRates.map(fmt).join('') + fmt(notifierMax));
    console.log(`ratio b4_notifier ${(notifierMax / rawMax).toFixed(3)}`);
    console.log(`figure b4_notifier_deliveries_per_s ${notifierMax.toFixed(1)} deliveries/s`);
    console.log(`figure b4_raw_deliveries_per_s ${rawMax.toFixed(1)} deliveries/s`);

    // Open loops: appends on a fixed schedule, whatever the notifier does. First at half the raw
    // maximum (the figure), then at half the notifier's own maximum (for comparison).
    service = await start();
    const openLoop = async (rate: number, tag: string): Promise<{ total: number; p50: number; p99: number }> => {
      const total = Math.min(OPEN_LOOP_MAX, Math.round(rate * OPEN_LOOP_SECONDS));
      const tickMs = 10;
      const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
      let sent = 0;
      const produced: Promise<number>[] = [];
      const loopStart = performance.now();
      while (sent < total) {
        const due = Math.min(total, Math.round(((performance.now() - loopStart) / 1000) * rate) + perTick);
        if (due > sent) {
          const batch = [];
          for (; sent < due; sent++) {
            const n = notification(sent, tag);
            batch.push({ key: n.group_key, value: JSON.stringify(n), headers: { ce_id: n.id } });
          }
          // Failures are counted, not lost.
          produced.push(
            ctx.produce('notifications', batch).then(
              () => batch.length,
              () => 0,
            ),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, tickMs));
      }
      const appended = (await Promise.all(produced)).reduce((x, y) => x + y, 0);
      if (appended < total) console.log(`open loop: ${total - appended} appends failed`);
      await pollUntil(() => (arrivals.get(tag) ?? 0) >= appended, {
        timeoutMs: 300_000,
        intervalMs: 50,
        description: `${appended} open-loop arrivals (have ${arrivals.get(tag) ?? 0})`,
      });
      const lat = latencies.get(tag) ?? [];
      return { total, p50: percentile(lat, 50), p99: percentile(lat, 99) };
    };

    const atRaw = await openLoop(rawMax / 2, 'open');
    console.log(
      `open loop: ${atRaw.total} notifications at ${(rawMax / 2).toFixed(0)}/s (half the raw max): p50 ${atRaw.p50} ms, p99 ${atRaw.p99} ms (append → sink)`,
    );
    console.log(`figure b4_p99_ms ${atRaw.p99} ms`);
    const atOwn = await openLoop(notifierMax / 2, 'open-own');
    console.log(
      `open loop: ${atOwn.total} notifications at ${(notifierMax / 2).toFixed(0)}/s (half the notifier's max): p50 ${atOwn.p50} ms, p99 ${atOwn.p99} ms`,
    );
    console.log(`figure b4_p99_half_notifier_max_ms ${atOwn.p99} ms`);
  } finally {
    await service?.close();
    await pool.close();
    await sink.close();
    await ctx.cleanup();
  }
}

runMain(main);
