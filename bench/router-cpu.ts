/**
 * B3's CPU twin: the router's per-record path without a broker, in µs of CPU per batch, so a
 * change can be judged on the shared machine without the noise of a drain. The records are
 * B3's (bench/router-data.ts), fed through libs/kafka's ConsumerRunner (decode, validate, the
 * MetricsConsumer's work) in kafkajs-sized batches, with the ticker's evaluation round every
 * `--tick-every` batches (what one second of a 25k batches/s drain holds).
 *
 *   node tools/build/run-ts.mjs bench/router-cpu.ts --batches 200000
 */
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { type MetricBatchDto, TOPICS } from '@airis/contracts';
import { ConsumerRunner, type ConsumedRecord } from '@airis/kafka';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { Evaluator } from '../apps/event-router/src/domain/evaluator';
import { MetricsConsumer } from '../apps/event-router/src/ingest/metrics.consumer';
import type { PartitionOwnership } from '../apps/event-router/src/ingest/partition-ownership.service';
import { benchBatch, benchRule } from './router-data';
import { runMain } from './run-main';

const opts = new Command()
  .option('--batches <n>', 'metric batches', '200000')
  .option('--metrics-per-batch <n>', 'samples per batch', '4')
  .option('--rules <n>', 'threshold rules', '100')
  .option('--tick-every <n>', 'batches between evaluation rounds', '25000')
  .option('--partitions <n>', 'partitions', '12')
  .option('--fetch <n>', 'records per kafkajs batch', '2500')
  .parse()
  .opts<{
    batches: string;
    metricsPerBatch: string;
    rules: string;
    tickEvery: string;
    partitions: string;
    fetch: string;
  }>();
const BATCHES = Number(opts.batches);
const PER_BATCH = Number(opts.metricsPerBatch);
const TICK_EVERY = Number(opts.tickEvery);
const PARTITIONS = Number(opts.partitions);
const FETCH = Number(opts.fetch);

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function main(): Promise<void> {
  const now = Date.now();
  const perPartition: KafkaMessage[][] = Array.from({ length: PARTITIONS }, () => []);
  for (let i = 0; i < BATCHES; i++) {
    const b = benchBatch(i, PER_BATCH);
    const p = (i % 500) % PARTITIONS;
    const list = perPartition[p] ?? [];
    list.push({
      key: Buffer.from(b.source),
      value: Buffer.from(JSON.stringify(b)),
      headers: {},
      timestamp: String(now - 60_000 + Math.floor(i / 100)),
      offset: String(list.length),
      attributes: 0,
    });
  }
  const evaluator = new Evaluator(100_000);
  for (let r = 0; r < Number(opts.rules); r++) evaluator.setRule(`bench-${r}`, 1, benchRule(r));

  let sinceTick = 0;
  let tickMs = 0;
  let ticks = 0;
  let series = 0;
  const tick = (): void => {
    const t = cpuMs();
    series = evaluator.evaluate(Date.now(), () => true).length;
    tickMs += cpuMs() - t;
    ticks++;
  };
  // The real handler; the partitions count as owned (claiming them is a MongoDB round trip).
  const owned = { ensureOwned: () => undefined } as unknown as PartitionOwnership;
  const consumer$ = new MetricsConsumer(evaluator, owned);
  const handler = (record: ConsumedRecord<unknown>): Promise<void> => {
    const done = consumer$.handle(record as ConsumedRecord<MetricBatchDto>);
    if (++sinceTick >= TICK_EVERY) {
      sinceTick = 0;
      tick();
    }
    return done;
  };
  let eachBatch: ((p: EachBatchPayload) => Promise<void>) | undefined;
  const consumer = {
    events: { CRASH: 'crash' },
    on: () => undefined,
    connect: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    run: (o: { eachBatch: (p: EachBatchPayload) => Promise<void> }) => {
      eachBatch = o.eachBatch;
      return Promise.resolve();
    },
  } as unknown as Consumer;
  const runner = new ConsumerRunner(
    consumer,
    [{ topicId: 'metrics', topicName: 'm', spec: TOPICS.metrics, handler: (r) => handler(r) }],
    {
      groupId: 'g',
      partitionsConsumedConcurrently: 1,
      maxUncertainAttempts: 5,
      fromBeginning: true,
      sendToDlq: () => Promise.resolve([]),
    },
  );
  await runner.start();
  if (!eachBatch) throw new Error('runner did not start');

  const wall = performance.now();
  const cpu = cpuMs();
  const cursors = new Array<number>(PARTITIONS).fill(0);
  for (let left = true; left;) {
    left = false;
    for (let p = 0; p < PARTITIONS; p++) {
      const all = perPartition[p] as KafkaMessage[];
      const from = cursors[p] ?? 0;
      if (from >= all.length) continue;
      left = true;
      const messages = all.slice(from, from + FETCH);
      cursors[p] = from + messages.length;
      await eachBatch({
        batch: { topic: 'm', partition: p, messages, lastOffset: () => String(from + messages.length - 1) },
        resolveOffset: () => undefined,
        heartbeat: () => Promise.resolve(),
        commitOffsetsIfNecessary: () => Promise.resolve(),
        isRunning: () => true,
        isStale: () => false,
      } as unknown as EachBatchPayload);
    }
  }
  tick();
  const cpuTotal = cpuMs() - cpu;
  const wallTotal = performance.now() - wall;
  console.log(
    `${BATCHES} batches × ${PER_BATCH}, ${opts.rules} rules: ${((cpuTotal * 1000) / BATCHES).toFixed(2)} µs CPU/batch ` +
      `(${((wallTotal * 1000) / BATCHES).toFixed(2)} µs wall), of which ticks ${((tickMs * 1000) / BATCHES).toFixed(2)} µs ` +
      `(${ticks} rounds over ${series} series, last ${(tickMs / ticks).toFixed(0)} ms avg)`,
  );
  console.log(`figure b3_cpu_us_per_batch ${((cpuTotal * 1000) / BATCHES).toFixed(2)}`);
}

runMain(main);
