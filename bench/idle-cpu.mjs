// Idle CPU of the whole stack (`npm run bench:idle-cpu`): starts every app as `npm start` does,
// lets it settle, then reads each app's CPU time from /proc over a quiet window, with no traffic.
// Baseline, same run: a bare Node process holding one idle kafkajs producer and consumer on the
// same broker — the least an idle Kafka service pays. Prints per app, the stack's total
// (`figure idle_stack_cpu_percent`) and `ratio idle_app_vs_kafka_client` (mean app ÷ baseline).
//
//   --settle <s>   seconds after every app is ready before measuring (default 20)
//   --seconds <s>  the measured window (default 20)
//   --keep         leave the stack running afterwards (default: npm stop)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SETTLE_S = option('settle', 20);
const WINDOW_S = option('seconds', 20);
const KEEP = args.includes('--keep');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** User + system CPU of a process so far, in ms (USER_HZ = 100). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function stack(command) {
  execFileSync(process.execPath, [join(root, 'tools/dev/stack.mjs'), command], { cwd: root, stdio: 'inherit' });
}

const BASELINE = `
const { Kafka, logLevel, Partitioners } = require('kafkajs');
const kafka = new Kafka({ clientId: 'idle-baseline', brokers: process.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
const consumer = kafka.consumer({ groupId: 'idle-baseline-' + process.pid });
(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'idle-baseline', numPartitions: 1, replicationFactor: 1 }] });
  await admin.disconnect();
  await producer.connect();
  await producer.send({ topic: 'idle-baseline', messages: [{ value: 'x' }], acks: -1 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'idle-baseline', fromBeginning: true });
  await consumer.run({ eachMessage: async () => process.send('consumed') });
})();
process.on('SIGTERM', () => Promise.allSettled([consumer.disconnect(), producer.disconnect()]).then(() => process.exit(0)));
`;

async function main() {
  stack('start');
  let baseline;
  try {
    const env = Object.fromEntries(
      readFileSync(join(root, '.local/infra.env'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    baseline = spawn(process.execPath, ['-e', BASELINE], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise((resolve, reject) => {
      baseline.once('message', resolve);
      baseline.once('exit', (code) => reject(new Error(`the baseline client exited (${code})`)));
    });
    // The service catalog, as the stack script reads it (built by `npm start`).
    const apps = Object.keys(createRequire(import.meta.url)(join(root, 'dist/libs/config/src/index.js')).SERVICE_PORTS);
    const pids = [];
    for (const app of apps) {
      const pidFile = join(root, '.local/run', `${app}.pid`);
      if (existsSync(pidFile)) pids.push({ app, pid: Number(readFileSync(pidFile, 'utf8').trim()) });
    }
    if (pids.length === 0) throw new Error('no app pid found under .local/run');
    console.log(`\nsettling ${SETTLE_S} s, then measuring ${WINDOW_S} s of idle CPU`);
    await sleep(SETTLE_S * 1000);
    const before = new Map([...pids.map(({ pid }) => [pid, cpuMs(pid)]), [baseline.pid, cpuMs(baseline.pid)]]);
    await sleep(WINDOW_S * 1000);
    const percent = (pid) => ((cpuMs(pid) - before.get(pid)) / (WINDOW_S * 1000)) * 100;
    console.log('\napp                        idle CPU (% of one core)');
    let total = 0;
    for (const { app, pid } of pids) {
      const p = percent(pid);
      total += p;
      console.log(`${app.padEnd(26)} ${p.toFixed(2).padStart(6)} %`);
    }
    const base = percent(baseline.pid);
    console.log(`${'(kafkajs client, baseline)'.padEnd(26)} ${base.toFixed(2).padStart(6)} %`);
    console.log(`figure idle_stack_cpu_percent ${total.toFixed(1)} %`);
    console.log(`figure idle_kafka_client_cpu_percent ${base.toFixed(2)} %`);
    console.log(`ratio idle_app_vs_kafka_client ${(total / pids.length / Math.max(base, 0.01)).toFixed(1)}`);
  } finally {
    if (baseline && baseline.exitCode === null) baseline.kill('SIGTERM');
    if (!KEEP) stack('stop');
  }
}

main().catch((error) => {
  console.error(error.message ?? error);
  process.exit(1);
});
