#!/usr/bin/env node
// `npm start`: local Kafka + FerretDB, a fresh build, and every app in the background, each
// logging to .local/logs/<app>.log; returns once every app reports ready and prints where each
// listens. `npm stop`: stops the apps it started (by pid), then the infrastructure.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const local = join(root, '.local');
const runDir = join(local, 'run');
const logDir = join(local, 'logs');

// The service catalog and port variables come from libs/config (compiled into dist/), so the
// script and the services cannot disagree. SWC's CommonJS output: require it (ESM import()
// sees no named exports there).
const loadConfigLib = () => createRequire(import.meta.url)(join(root, 'dist/libs/config/src/index.js'));

/** Every app and its default port. */
async function apps() {
  return Object.entries(loadConfigLib().SERVICE_PORTS);
}

const portVariable = (app) => loadConfigLib().portVariable(app);

/** A secret generated once per checkout into .local/, unless the environment provides it. */
function localSecret(file, variable, make) {
  if (process.env[variable]) return process.env[variable];
  const path = join(local, file);
  if (!existsSync(path)) {
    mkdirSync(local, { recursive: true });
    writeFileSync(path, `${make()}\n`, { mode: 0o600 });
  }
  return readFileSync(path, 'utf8').trim();
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Is `pid` one of our app processes (and not a recycled pid)? */
function isOurApp(pid, app) {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(`dist/apps/${app}/src/main.js`);
  } catch {
    return false;
  }
}

function readPid(app) {
  try {
    return Number(readFileSync(join(runDir, `${app}.pid`), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

async function waitReady(url, timeoutMs, pid) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (pid && !pidAlive(pid)) return { ok: false, why: 'the process exited' };
    try {
      const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return { ok: true };
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { ok: false, why: `not ready after ${timeoutMs / 1000} s (${last})` };
}

async function start() {
  const { up } = await import('../infra/infra.mjs');
  const infra = await up();
  const masterKey = localSecret('master-key', 'AIRIS_MASTER_KEY', () => randomBytes(32).toString('base64'));
  const adminKey = localSecret(
    'admin-key',
    'AIRIS_BOOTSTRAP_ADMIN_KEY',
    () => `airis_admin_${randomBytes(24).toString('base64url')}`,
  );

  const { build } = await import('../build/build.mjs');
  if (!existsSync(join(root, 'dist/libs/config/src/index.js'))) build({ quiet: true });
  const APPS = await apps();
  const running = APPS.filter(([app]) => {
    const pid = readPid(app);
    return pid && pidAlive(pid) && isOurApp(pid, app);
  }).map(([app]) => app);
  if (running.length === 0) {
    console.log('› building apps');
    build({ quiet: true });
  } else {
    console.log(`› already running: ${running.join(', ')} (npm stop first to rebuild)`);
  }

  mkdirSync(runDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const started = [];
  for (const [app, defaultPort] of APPS) {
    const port = Number(process.env[portVariable(app)] ?? defaultPort);
    const url = `http://127.0.0.1:${port}`;
    if (running.includes(app)) {
      started.push({ app, url, pid: readPid(app), log: join(logDir, `${app}.log`) });
      continue;
    }
    const log = join(logDir, `${app}.log`);
    const out = openSync(log, 'a');
    const child = spawn(process.execPath, [join(root, 'dist/apps', app, 'src/main.js')], {
      cwd: root,
      detached: true,
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        NODE_ENV: process.env.NODE_ENV ?? 'development',
        KAFKA_BROKERS: infra.env.KAFKA_BROKERS,
        MONGODB_URI: infra.env.MONGODB_URI,
        AIRIS_MASTER_KEY: masterKey,
        AIRIS_BOOTSTRAP_ADMIN_KEY: adminKey,
        [portVariable(app)]: String(port),
      },
    });
    child.unref();
    writeFileSync(join(runDir, `${app}.pid`), `${child.pid}\n`);
    started.push({ app, url, pid: child.pid, log });
  }

  console.log('› waiting for every app to report ready');
  const results = await Promise.all(started.map(async (s) => ({ ...s, ...(await waitReady(s.url, 90_000, s.pid)) })));
  console.log('');
  for (const r of results) {
    console.log(
      `  ${r.ok ? '✓' : '✗'} ${r.app.padEnd(24)} ${r.url.padEnd(24)} pid ${String(r.pid).padEnd(8)} ${r.ok ? '' : r.why}`,
    );
  }
  console.log('');
  console.log(`  Kafka     ${infra.env.KAFKA_BROKERS}`);
  console.log(`  MongoDB   ${infra.env.MONGODB_URI} (FerretDB)`);
  console.log(`  admin key .local/admin-key    logs .local/logs/    stop: npm stop`);
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    console.error(`\n${failed.length} app(s) did not start; see their logs under .local/logs/`);
    process.exit(1);
  }
}

async function stopApps() {
  if (!existsSync(join(root, 'dist/libs/config/src/index.js'))) return;
  const APPS = await apps();
  const stopping = [];
  for (const [app] of APPS) {
    const pid = readPid(app);
    const pidFile = join(runDir, `${app}.pid`);
    if (!pid || !pidAlive(pid) || !isOurApp(pid, app)) {
      rmSync(pidFile, { force: true });
      continue;
    }
    process.kill(pid, 'SIGTERM');
    stopping.push(
      (async () => {
        const deadline = Date.now() + 30_000;
        while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
        rmSync(pidFile, { force: true });
        console.log(`  stopped ${app} (pid ${pid})`);
      })(),
    );
  }
  await Promise.all(stopping);
}

async function stop() {
  await stopApps();
  const { down } = await import('../infra/infra.mjs');
  await down();
}

const command = process.argv[2];
const run = { start, stop }[command];
if (!run) {
  console.error('usage: node tools/dev/stack.mjs start|stop');
  process.exit(2);
}
run().catch((error) => {
  console.error(error.message ?? error);
  process.exit(1);
});
