#!/usr/bin/env node
// npm run bench:ingest — the ingest gateway against the local Kafka (issue 3):
//   B1: raw kafkajs producer (idempotent, acks=all) sending 100-metric batches vs the gateway fed
//       by autocannon with the same batches → metrics/s of each, ratio gateway ÷ raw, gateway CPU µs
//       per metric; then the gateway's p99 at half its max rate, from an open-loop paced client (one
//       request every 1/rate s). autocannon's own rate option is not that: each connection sends
//       back to back until its quota of the second is used, then waits for the next second, so the
//       gateway sees its max rate for half of every second (that figure is printed too, as bursty).
//   B2: the gateway with a no-op sink vs a bare Fastify server (same Fastify, same JSON parsing
//       and response) → req/s ratio and p99.
// Arms interleaved ROUNDS times (B2: BENCH_B2_ROUNDS, default 9, in alternating order), medians
// reported; B2 also prints the median and quartiles of its per-round ratios. Everything on
// loopback; own topics and database, removed at the end. Env knobs: BENCH_ROUNDS,
// BENCH_B2_ROUNDS, BENCH_SECONDS, BENCH_CONNECTIONS, and BENCH_ARMS=b1 or b2 to run only that
// benchmark (default both).
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const B2_ROUNDS = Number(process.env.BENCH_B2_ROUNDS ?? Math.max(ROUNDS, 9));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const MONGO = (process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/airis').replace(/\/[^/]*$/, '/');
const suffix = randomBytes(4).toString('hex');
const NAMESPACE = `bench-ingest-${suffix}.`;
const DATABASE = `bench_ingest_${suffix}`;
const ADMIN_KEY = `bench-admin-${randomBytes(16).toString('hex')}`;
const METRICS_PER_BATCH = 100;
const ARMS = new Set((process.env.BENCH_ARMS ?? 'b1,b2').split(',').map((a) => a.trim().toLowerCase()));

const batch = JSON.stringify({
  timestamp: Date.now(),
  source: 'bench-model-server',
  metrics: Array.from({ length: METRICS_PER_BATCH }, (_, i) => ({
    name: `inference_latency_${i % 10}`,
    value: Math.random() * 100,
    unit: 'milliseconds',
    tags: { model_name: 'resnet50', model_version: '3', framework: 'tensorflow', replica: String(i % 4) },
  })),
});

/** Cumulative bucket counts of a Prometheus histogram in a /metrics text. */
function buckets(text, name) {
  const out = new Map();
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm')))
    out.set(m[1], Number(m[2]));
  return out;
}

/** Quantile q of the observations between two scrapes (upper bound of the bucket holding it), ms. */
function quantileMs(before, after, q) {
  const les = [...after.keys()];
  const total = (after.get('+Inf') ?? 0) - (before.get('+Inf') ?? 0);
  for (const le of les) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= q * total) return le === '+Inf' ? Infinity : Number(le) * 1000;
  }
  return NaN;
}

const LATENCY_HISTOGRAMS = ['airis_gateway_kafka_send_seconds', 'airis_gateway_kafka_queue_wait_seconds'];
const metricsText = async (url) => (await fetch(`${url}/metrics`)).text();

/** Quantile x of an ascending array (the element at ⌊x·n⌋, the last for x near 1). */
const quantile = (sorted, x) => sorted[Math.min(sorted.length - 1, Math.floor(x * sorted.length))];
const median = (xs) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
const sleepMs = (ms) => new Promise((r) => setTimeout(r, ms));

function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return (ticks * 1e6) / 100; // USER_HZ = 100
}

async function startGateway(port, sink) {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/ingest-gateway/src/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      SWC_NODE_PROJECT: resolve(root, 'tsconfig.json'),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      KAFKA_BROKERS: BROKERS,
      MONGODB_URI: `${MONGO}${DATABASE}`,
      AIRIS_TOPIC_NAMESPACE: NAMESPACE,
      KAFKA_TOPIC_REPLICATION_FACTOR: '1',
      AIRIS_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      INGEST_SINK: sink,
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error('gateway exited during start-up');
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) return { child, url };
    } catch {
      /* not yet */
    }
    await sleepMs(200);
  }
  child.kill('SIGKILL');
  throw new Error('gateway did not become ready');
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function load(url, { overallRate } = {}) {
  return autocannon({
    url: `${url}/api/v1/metrics/ingest`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    body: batch,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    ...(overallRate ? { overallRate } : {}),
  });
}

async function gatewayArm(gw) {
  const cpu0 = cpuMicros(gw.child.pid);
  const r = await load(gw.url);
  const cpu = cpuMicros(gw.child.pid) - cpu0;
  const ok = r['2xx'];
  if (r.non2xx > 0 || r.errors > 0) console.error(`  gateway arm: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return {
    rps: ok / r.duration,
    cpuPerReq: cpu / ok,
    metricsPerSec: (ok * METRICS_PER_BATCH) / r.duration,
    p99: r.latency.p99,
    cpuPerMetric: cpu / (ok * METRICS_PER_BATCH),
  };
}

async function rawArm(producer, topic) {
  // Same records the gateway writes (one message per 100-metric batch), CONNECTIONS concurrent senders.
  const end = Date.now() + SECONDS * 1000;
  let sent = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < end) {
        await producer.send({ topic, acks: -1, messages: [{ key: 'bench-model-server', value: batch }] });
        sent++;
      }
    }),
  );
  const seconds = (Date.now() - t0) / 1000;
  return { metricsPerSec: (sent * METRICS_PER_BATCH) / seconds };
}

/**
 * The raw producer open-loop at a fixed rate (a send every 1/rate s, each awaited on its own):
 * the broker's own acks=all latency distribution at the gateway's half rate, same machine and
 * moment — what the gateway's p99 cannot go below.
 */
async function rawPaced(producer, topic, rate) {
  const latencies = [];
  const sends = [];
  const t0 = performance.now();
  for (let i = 0; i < rate * SECONDS; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleepMs(wait);
    const start = performance.now();
    sends.push(
      producer
        .send({ topic, acks: -1, messages: [{ key: 'bench-model-server', value: batch }] })
        .then(() => latencies.push(performance.now() - start)),
    );
  }
  await Promise.all(sends);
  latencies.sort((a, b) => a - b);
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

/**
 * The gateway open-loop at a fixed rate: a request every 1/rate s over at most CONNECTIONS
 * keep-alive sockets, each timed from its send to the end of its response (as rawPaced times a
 * send), whatever the earlier ones are doing.
 */
async function gatewayPaced(url, rate) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const { hostname, port } = new URL(url);
  const body = Buffer.from(batch);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    authorization: `Bearer ${ADMIN_KEY}`,
  };
  const latencies = [];
  let failed = 0;
  let late = 0;
  const requests = [];
  const t0 = performance.now();
  for (let i = 0; i < rate * SECONDS; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleepMs(wait);
    const start = performance.now();
    late = Math.max(late, start - due);
    requests.push(
      new Promise((done) => {
        const req = http.request(
          { agent, hostname, port, path: '/api/v1/metrics/ingest', method: 'POST', headers },
          (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode >= 300) failed++;
              else latencies.push(performance.now() - start);
              done();
            });
          },
        );
        req.on('error', () => {
          failed++;
          done();
        });
        req.end(body);
      }),
    );
  }
  await Promise.all(requests);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    ok: latencies.length,
    failed,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    maxLateMs: late,
  };
}

async function bareArm(url, pid) {
  const cpu0 = cpuMicros(pid);
  const r = await autocannon({
    url: `${url}/api/v1/metrics/ingest`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    body: batch,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
  });
  return { rps: r['2xx'] / r.duration, p99: r.latency.p99, cpuPerReq: (cpuMicros(pid) - cpu0) / r['2xx'] };
}

const kafka = new Kafka({
  clientId: 'bench-raw',
  brokers: BROKERS.split(','),
  logLevel: logLevel.NOTHING,
  retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 },
});
const portA = 18000 + Math.floor(Math.random() * 2000);
const children = [];
try {
  console.log(
    `bench:ingest — ${ROUNDS} rounds (B2: ${B2_ROUNDS}) × ${SECONDS}s per arm, ${CONNECTIONS} connections, ${METRICS_PER_BATCH}-metric batches`,
  );
  const rows = [];
  const figures = [];
  if (ARMS.has('b1')) {
    const gw = await startGateway(portA, 'kafka');
    children.push(gw.child);
    const topic = `${NAMESPACE}airis.metrics.v1`;
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    // Warm-up of both paths.
    await load(gw.url, {}).catch(() => undefined);
    const b1 = { raw: [], gw: [] };
    for (let i = 0; i < ROUNDS; i++) {
      b1.raw.push(await rawArm(producer, topic));
      b1.gw.push(await gatewayArm(gw));
    }
    const gwRpsMax = median(b1.gw.map((x) => x.rps));
    // Where the latency at half rate goes: the gateway's own histograms of the Kafka send
    // (encode + acks=all round trip) and of the wait for a free producer, scraped around the run.
    const halfRate = Math.max(1, Math.floor(gwRpsMax / 2));
    const before = await metricsText(gw.url);
    const half = await gatewayPaced(gw.url, halfRate);
    const after = await metricsText(gw.url);
    if (half.failed > 0) console.error(`  half-rate run: ${half.failed} failed requests`);
    const bursty = await load(gw.url, { overallRate: halfRate });

    // The raw client at the same rate, with as many idempotent producers as the gateway's pool
    // (INGEST_PRODUCERS, 4) used round-robin: the broker's own latency at this load.
    const rawPool = [producer];
    for (let i = 1; i < 4; i++) {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await p.connect();
      rawPool.push(p);
    }
    let next = 0;
    const pooled = { send: (record) => rawPool[next++ % rawPool.length].send(record) };
    const rawHalf = await rawPaced(pooled, topic, Math.max(1, Math.floor(gwRpsMax / 2)));
    await Promise.all(rawPool.map((p) => p.disconnect()));
    const [sendQ, waitQ] = LATENCY_HISTOGRAMS.map((h) => ({
      p50: quantileMs(buckets(before, h), buckets(after, h), 0.5),
      p99: quantileMs(buckets(before, h), buckets(after, h), 0.99),
    }));
    await stop(gw.child);

    const rawMps = median(b1.raw.map((x) => x.metricsPerSec));
    const gwMps = median(b1.gw.map((x) => x.metricsPerSec));
    const cpu = median(b1.gw.map((x) => x.cpuPerMetric));
    rows.push(
      ['B1 raw kafkajs producer', `${rawMps.toFixed(0)} metrics/s`, ''],
      ['B1 gateway (Kafka)', `${gwMps.toFixed(0)} metrics/s`, `p99 ${median(b1.gw.map((x) => x.p99))} ms at max`],
      [
        'B1 gateway at half max rate',
        `${(half.ok / SECONDS).toFixed(0)} req/s`,
        `p50 ${half.p50.toFixed(0)} ms, p99 ${half.p99.toFixed(0)} ms (paced; sender at most ${half.maxLateMs.toFixed(0)} ms late)`,
      ],
      [
        'B1 same rate, autocannon bursts',
        `${(bursty['2xx'] / bursty.duration).toFixed(0)} req/s`,
        `p99 ${bursty.latency.p99} ms (max rate for part of each second)`,
      ],
      [
        'B1 half rate: raw kafkajs send',
        `p50 ${rawHalf.p50.toFixed(0)} ms`,
        `p99 ${rawHalf.p99.toFixed(0)} ms (same rate, 4 producers)`,
      ],
      ['B1 half rate: Kafka send', `p50 ≤ ${sendQ.p50} ms`, `p99 ≤ ${sendQ.p99} ms (histogram bucket bounds)`],
      ['B1 half rate: producer wait', `p50 ≤ ${waitQ.p50} ms`, `p99 ≤ ${waitQ.p99} ms`],
      ['B1 gateway CPU per metric', `${cpu.toFixed(2)} µs`, ''],
    );
    figures.push(
      `per round B1 raw: ${b1.raw.map((x) => x.metricsPerSec.toFixed(0)).join(', ')}; gateway: ${b1.gw.map((x) => x.metricsPerSec.toFixed(0)).join(', ')}`,
      `ratio b1_ingest ${(gwMps / rawMps).toFixed(3)}`,
      `figure b1_gateway_p99_ms ${half.p99.toFixed(0)} ms`,
      `figure b1_half_rate_p50_ms ${half.p50.toFixed(0)} ms`,
      `figure b1_half_rate_autocannon_bursty_p99_ms ${bursty.latency.p99} ms`,
      `figure b1_half_rate_raw_kafkajs_p99_ms ${rawHalf.p99.toFixed(0)} ms`,
      `figure b1_half_rate_kafka_send_p99_ms ${sendQ.p99} ms`,
      `figure b1_half_rate_producer_wait_p99_ms ${waitQ.p99} ms`,
      `figure b1_gateway_cpu_us_per_metric ${cpu.toFixed(3)} us`,
    );
  }
  if (ARMS.has('b2')) {
    const noop = await startGateway(portA + 1, 'noop');
    children.push(noop.child);
    const bare = fork(resolve(root, 'bench/ingest-bare-server.mjs'), ['0'], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    children.push(bare);
    const barePort = await new Promise((r) => bare.once('message', (m) => r(m.port)));
    const bareUrl = `http://127.0.0.1:${barePort}`;
    await load(noop.url).catch(() => undefined);
    await bareArm(bareUrl, bare.pid);
    // More rounds than B1 (the machine's speed drifts by ±30 % over seconds, and the two
    // arms take ~8 s a round), in alternating order (bare first, then gateway first), so a pair's
    // two halves see the same drift in both orders.
    const b2 = { gw: [], bare: [] };
    for (let i = 0; i < B2_ROUNDS; i++) {
      if (i % 2 === 0) {
        b2.bare.push(await bareArm(bareUrl, bare.pid));
        b2.gw.push(await gatewayArm(noop));
      } else {
        b2.gw.push(await gatewayArm(noop));
        b2.bare.push(await bareArm(bareUrl, bare.pid));
      }
    }
    await stop(noop.child);
    await stop(bare);

    const noopRps = median(b2.gw.map((x) => x.rps));
    const bareRps = median(b2.bare.map((x) => x.rps));
    const bareCpu = median(b2.bare.map((x) => x.cpuPerReq));
    const noopCpu = median(b2.gw.map((x) => x.cpuPerReq));
    const paired = b2.gw.map((x, i) => x.rps / b2.bare[i].rps).sort((a, b) => a - b);
    rows.push(
      ['B2 bare Fastify', `${bareRps.toFixed(0)} req/s`, `p99 ${median(b2.bare.map((x) => x.p99))} ms`],
      ['B2 gateway (no-op sink)', `${noopRps.toFixed(0)} req/s`, `p99 ${median(b2.gw.map((x) => x.p99))} ms`],
      ['B2 CPU per request bare / gateway', `${bareCpu.toFixed(0)} / ${noopCpu.toFixed(0)} µs`, 'main thread busy'],
      [
        'B2 gateway ÷ bare, per round',
        `median ${quantile(paired, 0.5).toFixed(3)}`,
        `quartiles ${quantile(paired, 0.25).toFixed(3)}–${quantile(paired, 0.75).toFixed(3)} (${paired.length} pairs)`,
      ],
    );
    figures.push(
      `per round B2 bare: ${b2.bare.map((x) => x.rps.toFixed(0)).join(', ')}; gateway: ${b2.gw.map((x) => x.rps.toFixed(0)).join(', ')}`,
      `per round B2 CPU per request bare: ${b2.bare.map((x) => x.cpuPerReq.toFixed(0)).join(', ')}; gateway: ${b2.gw.map((x) => x.cpuPerReq.toFixed(0)).join(', ')} µs`,
      `ratio b2_http ${(noopRps / bareRps).toFixed(3)}`,
      `figure b2_bare_cpu_us_per_req ${bareCpu.toFixed(0)} us`,
      `figure b2_gateway_cpu_us_per_req ${noopCpu.toFixed(0)} us`,
      `figure b2_paired_ratio_median ${quantile(paired, 0.5).toFixed(3)}`,
      `figure b2_paired_ratio_quartiles ${quantile(paired, 0.25).toFixed(3)} ${quantile(paired, 0.75).toFixed(3)}`,
    );
  }
  console.log(
    `load average at the end: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (2 cores, shared)`,
  );
  console.log('');
  for (const [a, b, c] of rows) console.log(`${a.padEnd(32)} ${b.padStart(20)}  ${c}`);
  console.log('');
  for (const line of figures) console.log(line);
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  const admin = kafka.admin();
  try {
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(NAMESPACE));
    if (mine.length) await admin.deleteTopics({ topics: mine });
    await admin.disconnect();
  } catch {
    /* best effort */
  }
  const mongo = new MongoClient(`${MONGO}${DATABASE}`);
  try {
    await mongo.connect();
    await mongo.db(DATABASE).dropDatabase();
  } catch {
    /* best effort */
  } finally {
    await mongo.close();
  }
}
