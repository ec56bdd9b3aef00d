/*
 * B4's CPU twin: CPU time of the notifier process per delivery (`process.cpuUsage`), less
 * sensitive to the shared machine's load than B4's throughput ratio. The notifier runs
 * in-process on the real broker and FerretDB with B4's receiver and an in-process counting
 * sink; --rounds rounds of --batch notifications are appended and drained (until every delivery
 * and its attempt log are stored), and the CPU of the whole process (notifier, sink, the
 * bench's appends) is divided by the deliveries. The raw arm's CPU per POST (an undici Pool to
 * the same sink) is measured in the same run for comparison.
 *
 *   node tools/build/run-ts.mjs bench/notifier-cpu.ts --rounds 20 --batch 100
 *
 * --profile <file.cpuprofile>: a V8 CPU profile of the measured notifier rounds only;
 * --heap-profile <file.heapprofile>: where those rounds allocate (V8 sampling heap profiler);
 * --count: MongoDB commands and Kafka requests by name; --trace: each round's timings and
 * the sink's connection count (keep-alive).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Command } from 'commander';
import { type RunningService, startService } from '@airis/service';
import { createTestContext, pollUntil } from '@airis/testing';
import { Pool } from 'undici';
import { notifierService } from '../apps/notifier/src/service';
import { configureBenchReceiver, notification, postRaw, rawBodies, startCountingSink } from './notifier-data';
import { runMain } from './run-main';

const opts = new Command()
  .option('--rounds <n>', 'measured rounds', '20')
  .option('--batch <n>', 'notifications per round', '100')
  .option('--profile <file>', 'write a V8 CPU profile of the measured notifier rounds')
  .option('--heap-profile <file>', 'write a sampling heap profile (allocations) of the measured notifier rounds')
  .option('--count', 'count MongoDB commands and Kafka requests (patches the drivers)')
  .option('--trace', "print each round's timings")
  .parse()
  .opts<{
    rounds: string;
    batch: string;
    profile?: string;
    heapProfile?: string;
    count?: boolean;
    trace?: boolean;
  }>();
const ROUNDS = Number(opts.rounds);
const BATCH = Number(opts.batch);

/** --count: counts MongoDB commands and Kafka requests by name (patches the drivers' prototypes). */
function countRequests(): { take: () => Record<string, number> } {
  const counts: Record<string, number> = {};
  /* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
  const mongo = require('mongodb/lib/cmap/connection').Connection.prototype;
  const write = mongo.writeCommand;
  mongo.writeCommand = function (this: unknown, command: { command?: Record<string, unknown> }, ...rest: unknown[]) {
    const name = `mongo.${Object.keys(command.command ?? {})[0] ?? '?'}`;
    counts[name] = (counts[name] ?? 0) + 1;
    return write.call(this, command, ...rest);
  };
  const kafka = require('kafkajs/src/network/connection').prototype;
  const send = kafka.send;
  kafka.send = function (this: unknown, req: { request: { apiName: string } }, ...rest: unknown[]) {
    const name = `kafka.${req.request.apiName}`;
    counts[name] = (counts[name] ?? 0) + 1;
    return send.call(this, req, ...rest);
  };
  /* eslint-enable */
  return {
    take: () => {
      const out = { ...counts };
      for (const k of Object.keys(counts)) delete counts[k];
      return out;
    },
  };
}

const cpuMs = (start: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};

async function main(): Promise<void> {
  const sink = await startCountingSink();
  const { arrivals, firstAt: firstArrival } = sink;
  const sinkUrl = sink.url;

  const ctx = createTestContext('bench-b4cpu');
  await ctx.createTopics();
  await configureBenchReceiver(ctx, sinkUrl);
  let service: RunningService | undefined;
  const pool = new Pool(sinkUrl, { connections: 32 });
  const db = (await ctx.mongo()).db(ctx.database);
  try {
    service = await startService(
      notifierService(ctx.serviceEnv({ LOG_LEVEL: 'error', NOTIFIER_POLL_INTERVAL_MS: '100', NOTIFIER_WORKERS: '32' })),
    );
    const stored = async (n: number): Promise<void> => {
      await pollUntil(
        async () =>
          (
            await db
              .collection<{ count: number }>('notifier_attempts')
              .find({}, { projection: { count: 1 } })
              .toArray()
          )
            .map((d) => d.count)
            .reduce((a, b) => a + b, 0) >= n,
        { timeoutMs: 120_000, intervalMs: 200, description: `${n} stored` },
      );
    };
    const round = async (tag: string): Promise<void> => {
      const messages = Array.from({ length: BATCH }, (_, i) => {
        const n = notification(i, tag);
        return { key: n.group_key, value: JSON.stringify(n), headers: { ce_id: n.id } };
      });
      const t0 = performance.now();
      await ctx.produce('notifications', messages);
      const appended = performance.now() - t0;
      await pollUntil(() => (arrivals.get(tag) ?? 0) >= BATCH, { timeoutMs: 120_000, intervalMs: 5 });
      if (opts.trace) {
        const first = (firstArrival.get(tag) ?? t0) - t0;
        console.log(
          `${tag}: appended ${appended.toFixed(1)} ms, first arrival ${first.toFixed(1)} ms, all ${(performance.now() - t0).toFixed(1)} ms, sink connections so far ${sink.connections()}`,
        );
      }
    };
    await round('warm');
    await stored(BATCH);

    const raw = async (tag: string): Promise<void> => {
      await postRaw(pool, rawBodies(BATCH, tag));
    };
    await raw('warm-raw');
    let start = process.cpuUsage();
    for (let r = 0; r < ROUNDS; r++) await raw(`raw${r}`);
    const rawPer = cpuMs(start) / (ROUNDS * BATCH);

    const counts = opts.count ? countRequests() : undefined;
    const profile = opts.profile;
    const heapProfile = opts.heapProfile;
    const session = profile || heapProfile ? new Session() : undefined;
    if (session) session.connect();
    if (session && profile) {
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    if (session && heapProfile) {
      await session.post('HeapProfiler.enable');
      await session.post('HeapProfiler.startSampling', { samplingInterval: 16 * 1024 });
    }
    const connectionsBefore = sink.connections();
    start = process.cpuUsage();
    const startSys = start.system;
    const wall = performance.now();
    for (let r = 0; r < ROUNDS; r++) await round(`nt${r}`);
    const drained = cpuMs(start);
    await stored(BATCH * (ROUNDS + 1));
    const total = cpuMs(start);
    const sysShare = (process.cpuUsage().system - startSys) / 1000 / total;
    if (session && profile) {
      const { profile: p } = await session.post('Profiler.stop');
      writeFileSync(profile, JSON.stringify(p));
    }
    if (session && heapProfile) {
      const { profile: p } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(heapProfile, JSON.stringify(p));
    }
    session?.disconnect();
    const deliveries = ROUNDS * BATCH;
    console.log(
      `notifier: ${deliveries} deliveries in ${(performance.now() - wall).toFixed(0)} ms wall; CPU ${(drained / deliveries).toFixed(3)} ms/delivery to arrival, ${(total / deliveries).toFixed(3)} ms/delivery stored+logged (${(sysShare * 100).toFixed(0)} % system)`,
    );
    console.log(`sink connections opened during the notifier rounds: ${sink.connections() - connectionsBefore}`);
    if (counts) console.log('requests in the measured rounds:', JSON.stringify(counts.take()));
    console.log(`raw undici: CPU ${rawPer.toFixed(3)} ms/POST`);
    console.log(`figure b4_cpu_ms_per_delivery ${(total / deliveries).toFixed(3)} ms`);
  } finally {
    await service?.close();
    await pool.close();
    await sink.close();
    await ctx.cleanup();
  }
}

runMain(main);
