/**
 * B3 (issue 5): drain a pre-seeded metrics topic to lag 0 with the event router (100 threshold
 * rules) vs a raw kafkajs eachBatch consume-and-forward pipe over the same records, arms
 * interleaved, median of each. Prints a table, then `ratio b3_router <router ÷ raw>`.
 *
 *   npm run bench:router -- --batches 500000 --rounds 3 --rules 100 --metrics-per-batch 4
 */
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { startService } from '@airis/service';
import { createTestContext, pollUntil } from '@airis/testing';
import { type Admin, CompressionTypes, type Kafka, type Message } from 'kafkajs';
import { routerService } from '../apps/event-router/src/service';
import { benchBatch, benchRule } from './router-data';
import { runMain } from './run-main';

const program = new Command()
  .option('--batches <n>', 'metric batches to seed', '500000')
  .option('--metrics-per-batch <n>', 'samples per batch', '4')
  .option('--rules <n>', 'threshold rules', '100')
  .option('--rounds <n>', 'interleaved rounds of both arms', '3')
  .option('--log-level <level>', 'log level of the router arm', 'warn')
  .option('--arms <list>', 'arms to run (profiling one: --arms router)', 'raw,router')
  .parse();
const opts = program.opts<{
  batches: string;
  metricsPerBatch: string;
  rules: string;
  rounds: string;
  logLevel: string;
  arms: string;
}>();
const ARMS = new Set(opts.arms.split(',').map((a) => a.trim()));
const BATCHES = Number(opts.batches);
const PER_BATCH = Number(opts.metricsPerBatch);
const RULES = Number(opts.rules);
const ROUNDS = Number(opts.rounds);
async function seed(kafka: Kafka, topic: string): Promise<number> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const started = performance.now();
  const CHUNK = 5000;
  const inFlight: Promise<unknown>[] = [];
  for (let from = 0; from < BATCHES; from += CHUNK) {
    const messages: Message[] = [];
    for (let i = from; i < Math.min(BATCHES, from + CHUNK); i++) {
      const b = benchBatch(i, PER_BATCH);
      messages.push({ key: b.source, value: JSON.stringify(b) });
    }
    inFlight.push(producer.send({ topic, messages, acks: 1, compression: CompressionTypes.None }));
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await producer.disconnect();
  return (performance.now() - started) / 1000;
}

async function waitForLag0(admin: Admin, groupId: string, topic: string, ends: Map<number, string>): Promise<void> {
  for (;;) {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const done = offsets?.partitions.every((p) => p.offset === ends.get(p.partition)) ?? false;
    if (done) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

async function main(): Promise<void> {
  const ctx = createTestContext('bench-router');
  await ctx.createTopics();
  const metricsTopic = ctx.topics.of('metrics');
  const outTopic = `${ctx.namespace}bench.raw-out`;
  const admin = ctx.kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: false,
    topics: [{ topic: outTopic, numPartitions: 12, replicationFactor: 1 }],
  });
  await pollUntil(
    async () => ((await admin.fetchTopicMetadata({ topics: [outTopic] })).topics[0]?.partitions.length ?? 0) === 12,
    { timeoutMs: 30_000 },
  );
  try {
    process.stdout.write(`seeding ${BATCHES} batches × ${PER_BATCH} samples into ${metricsTopic} ... `);
    const seedSeconds = await seed(ctx.kafka, metricsTopic);
    console.log(`${seedSeconds.toFixed(1)} s (${Math.round(BATCHES / seedSeconds)} batches/s)`);
    const ends = new Map((await admin.fetchTopicOffsets(metricsTopic)).map((o) => [o.partition, o.high]));
    await ctx.produce(
      'config',
      Array.from({ length: RULES }, (_, i) => ({
        key: `rule/bench-${i}`,
        value: JSON.stringify({
          kind: 'rule',
          id: `bench-${i}`,
          revision: 1,
          spec: benchRule(i),
          updated_at: Date.now(),
        }),
      })),
    );

    const routerArm = async (round: number): Promise<number> => {
      const groupId = `bench-router-${round}`;
      const started = performance.now();
      const def = routerService(
        ctx.serviceEnv({
          MONGODB_URI: `${ctx.mongoUri}_r${round}`,
          LOG_LEVEL: opts.logLevel,
          ROUTER_TICK_MS: '1000',
        }),
      );
      const service = await startService({ ...def, consumer: { ...def.consumer!, groupId } });
      const startedIn = (performance.now() - started) / 1000;
      await waitForLag0(admin, groupId, metricsTopic, ends);
      const seconds = (performance.now() - started) / 1000;
      const closing = performance.now();
      await service.close();
      const alerts = await (
        await ctx.mongo()
      )
        .db(`${ctx.database}_r${round}`)
        .collection('router_alerts')
        .countDocuments();
      console.log(
        `  router: started in ${startedIn.toFixed(2)} s; ${alerts} alerts stored; shutdown took ${((performance.now() - closing) / 1000).toFixed(1)} s`,
      );
      const client = await ctx.mongo();
      await client.db(`${ctx.database}_r${round}`).dropDatabase();
      return seconds;
    };

    const rawArm = async (round: number): Promise<number> => {
      const groupId = `bench-raw-${round}`;
      const started = performance.now();
      const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const consumer = ctx.kafka.consumer({ groupId });
      await consumer.connect();
      await consumer.subscribe({ topic: metricsTopic, fromBeginning: true });
      await consumer.run({
        partitionsConsumedConcurrently: 3,
        eachBatch: async (payload) => {
          const { batch } = payload;
          await producer.send({
            topic: outTopic,
            acks: -1,
            messages: batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {} })),
          });
          payload.resolveOffset(batch.lastOffset());
          await payload.heartbeat();
        },
      });
      await waitForLag0(admin, groupId, metricsTopic, ends);
      const seconds = (performance.now() - started) / 1000;
      await consumer.disconnect();
      await producer.disconnect();
      return seconds;
    };

    const router: number[] = [];
    const raw: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate which arm goes first, so neither always gets the warmer page cache.
      const order = round % 2 === 1 ? (['raw', 'router'] as const) : (['router', 'raw'] as const);
      for (const arm of order) {
        if (!ARMS.has(arm)) continue;
        const s = arm === 'raw' ? await rawArm(round) : await routerArm(round);
        (arm === 'raw' ? raw : router).push(s);
        console.log(`round ${round} ${arm.padEnd(6)} ${s.toFixed(2)} s  ${Math.round(BATCHES / s)} batches/s`);
      }
    }
    const routerRate = BATCHES / median(router);
    const rawRate = BATCHES / median(raw);
    console.log('');
    console.log('arm      median s   batches/s   samples/s');
    console.log(
      `raw      ${median(raw).toFixed(2).padStart(8)}   ${Math.round(rawRate).toString().padStart(9)}   ${Math.round(rawRate * PER_BATCH)}`,
    );
    console.log(
      `router   ${median(router).toFixed(2).padStart(8)}   ${Math.round(routerRate).toString().padStart(9)}   ${Math.round(routerRate * PER_BATCH)}`,
    );
    console.log(`(${BATCHES} batches × ${PER_BATCH} samples, ${RULES} rules, ${ROUNDS} rounds)`);
    console.log(`figure b3_router_rate ${Math.round(routerRate)} batches/s`);
    console.log(`figure b3_raw_rate ${Math.round(rawRate)} batches/s`);
    if (router.length > 0 && raw.length > 0) console.log(`ratio b3_router ${(routerRate / rawRate).toFixed(3)}`);
  } finally {
    await admin.disconnect();
    await ctx.cleanup();
  }
}

runMain(main);
