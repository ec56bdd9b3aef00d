#!/usr/bin/env node
// Local infrastructure for AIRIS-MON development and tests, without Docker:
//   - Kafka 3.9 (single KRaft node, broker+controller) run from jars fetched by Maven
//   - FerretDB 1.24 (MongoDB wire protocol on SQLite) built from source with Go
//
// CLI:  node tools/infra/infra.mjs up | down [--purge] | status [--json]
// API:  import { up, down, status, infraEnv } from './infra.mjs'  (they return plain objects
//       and throw InfraError instead of exiting; pass { log: () => {} } to silence progress)
//
// Layout: downloads/builds are cached per version in $AIRIS_CACHE_DIR (default ~/.cache/airis-mon),
// data/logs/pid files live in <repo>/.local (git-ignored). See tools/infra/README.md.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const LOCAL = path.join(REPO, '.local');
const CACHE =
  process.env.AIRIS_CACHE_DIR ||
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'airis-mon');

const KAFKA_POM = path.join(HERE, 'kafka', 'pom.xml');
const KAFKA_LOG4J = path.join(HERE, 'kafka', 'log4j.properties');
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const FERRETDB_VERSION = 'v1.24.2'; // newest v1 release (v2 needs PostgreSQL + DocumentDB)
const GO_MIN = [1, 24]; // FerretDB v1.24.2's go.mod says `go 1.24`
const GO_MIN_AUTO = [1, 21]; // Go >= 1.21 can fetch a newer toolchain by itself (GOTOOLCHAIN=auto)
const JAVA_MIN = 11; // Kafka 3.9 brokers need Java 11+ (17 recommended)

const READY_TIMEOUT_MS = Number(process.env.AIRIS_INFRA_TIMEOUT_MS) || 90_000;
const STOP_TIMEOUT_MS = 20_000;
const LOG_ROTATE_BYTES = 20 * 1024 * 1024;
const TAIL_LINES = 40;
const LOG_MARKER = '=== '; // starts the header line written before each start

const P = {
  kafkaDir: path.join(LOCAL, 'kafka'),
  kafkaData: path.join(LOCAL, 'kafka', 'data'),
  kafkaProps: path.join(LOCAL, 'kafka', 'server.properties'),
  kafkaClusterId: path.join(LOCAL, 'kafka', 'cluster.id'),
  ferretDir: path.join(LOCAL, 'ferretdb'),
  ferretData: path.join(LOCAL, 'ferretdb', 'data'),
  ferretState: path.join(LOCAL, 'ferretdb', 'state'),
  logs: path.join(LOCAL, 'logs'),
  kafkaLog: path.join(LOCAL, 'logs', 'kafka.log'),
  ferretLog: path.join(LOCAL, 'logs', 'ferretdb.log'),
  buildLog: path.join(LOCAL, 'logs', 'infra-build.log'),
  run: path.join(LOCAL, 'run'),
  kafkaPid: path.join(LOCAL, 'run', 'kafka.pid'),
  ferretPid: path.join(LOCAL, 'run', 'ferretdb.pid'),
  lock: path.join(LOCAL, 'run', 'infra.lock'),
  envFile: path.join(LOCAL, 'infra.env'),
};

// The log tail is part of the message, so callers that only print error.message (the test runner,
// tools/dev/stack.mjs) still show why a start failed.
export class InfraError extends Error {
  constructor(message, { logFile, tail } = {}) {
    super(tail ? `${message}\n--- last lines of ${logFile} ---\n${tail}\n---` : message);
    this.name = 'InfraError';
    this.logFile = logFile;
    this.tail = tail;
  }
}

// ---------------------------------------------------------------------------------------------
// Configuration (read per call, so a test runner can set env vars before calling up()).

function envPort(name, dflt) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InfraError(`${name}=${raw} is not a valid TCP port`);
  return n;
}

function config() {
  const kafkaPort = envPort('AIRIS_KAFKA_PORT', 9092);
  const controllerPort = envPort('AIRIS_KAFKA_CONTROLLER_PORT', 9093);
  const mongoPort = envPort('AIRIS_MONGO_PORT', 27017);
  return {
    kafkaPort,
    controllerPort,
    mongoPort,
    kafkaHeap: (process.env.AIRIS_KAFKA_HEAP || '-Xms256m -Xmx768m').trim().split(/\s+/),
    env: {
      KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      MONGODB_URI: `mongodb://127.0.0.1:${mongoPort}/airis`,
    },
  };
}

/** The connection settings `up` provides (does not start anything). */
export function infraEnv() {
  return { ...config().env };
}

function kafkaVersion() {
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(fs.readFileSync(KAFKA_POM, 'utf8'));
  if (!m) throw new InfraError(`cannot find <kafka.version> in ${KAFKA_POM}`);
  return m[1].trim();
}

// The two managed components. `isOurs` recognises a process started by this checkout's `up`
// from its argv, so a recycled pid (or another checkout's broker) is never reused or killed.
function components(cfg) {
  return {
    kafka: {
      name: 'kafka',
      pidFile: P.kafkaPid,
      logFile: P.kafkaLog,
      dataDir: P.kafkaData,
      address: `127.0.0.1:${cfg.kafkaPort}`,
      extra: { controllerAddress: `127.0.0.1:${cfg.controllerPort}` },
      ports: [cfg.kafkaPort, cfg.controllerPort],
      portEnv: { [cfg.kafkaPort]: 'AIRIS_KAFKA_PORT', [cfg.controllerPort]: 'AIRIS_KAFKA_CONTROLLER_PORT' },
      isOurs: (argv) => argv.includes('kafka.Kafka') && argv.includes(P.kafkaProps),
      probe: () => probeKafka(`127.0.0.1:${cfg.kafkaPort}`),
    },
    ferretdb: {
      name: 'ferretdb',
      pidFile: P.ferretPid,
      logFile: P.ferretLog,
      dataDir: P.ferretData,
      address: `127.0.0.1:${cfg.mongoPort}`,
      extra: {},
      ports: [cfg.mongoPort],
      portEnv: { [cfg.mongoPort]: 'AIRIS_MONGO_PORT' },
      isOurs: (argv) =>
        argv.length > 0 && path.basename(argv[0]) === 'ferretdb' && argv.includes(`--state-dir=${P.ferretState}`),
      probe: () => probeMongo(cfg.env.MONGODB_URI),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const secs = (ms) => `${(ms / 1000).toFixed(1)}s`;
const exists = (p) => fs.existsSync(p);
const mkdirp = (p) => fs.mkdirSync(p, { recursive: true });
const rel = (p) => path.relative(REPO, p) || '.';

/** Last lines of a log; with sinceMarker, only what follows our last "=== … starting" header. */
function tailFile(file, n = TAIL_LINES, sinceMarker = false) {
  try {
    const st = fs.statSync(file);
    const len = Math.min(st.size, 256 * 1024);
    const buf = Buffer.alloc(len);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buf, 0, len, st.size - len);
    } finally {
      fs.closeSync(fd);
    }
    let text = buf.toString('utf8');
    const at = sinceMarker ? text.lastIndexOf(`\n${LOG_MARKER}`) : -1;
    if (at >= 0) text = text.slice(at + 1);
    return text
      .split('\n')
      .filter((l, i, a) => l !== '' || i < a.length - 1)
      .slice(-n)
      .join('\n');
  } catch {
    return '';
  }
}

function rotateLog(file) {
  try {
    if (fs.statSync(file).size > LOG_ROTATE_BYTES) fs.renameSync(file, `${file}.1`);
  } catch {
    /* no log yet */
  }
}

/** argv of a live, non-zombie process, or null. */
function procArgv(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/^\d+ \(.*\) Z/s.test(stat)) return null; // exited, not yet reaped
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s, i, a) => !(s === '' && i === a.length - 1));
  } catch {
    return null;
  }
}

const isAlive = (pid) => procArgv(pid) !== null;

/** Finds this checkout's process for a component: pid file first, then a /proc scan (lost pid file). */
function findOurs(comp) {
  let pid = null;
  try {
    pid = Number.parseInt(fs.readFileSync(comp.pidFile, 'utf8').trim(), 10);
  } catch {
    /* no pid file */
  }
  if (pid) {
    const argv = procArgv(pid);
    if (argv && comp.isOurs(argv)) return pid;
    fs.rmSync(comp.pidFile, { force: true }); // stale: process gone or pid recycled
  }
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const argv = procArgv(entry);
    if (argv && comp.isOurs(argv)) {
      mkdirp(P.run);
      fs.writeFileSync(comp.pidFile, `${entry}\n`);
      return Number(entry);
    }
  }
  return null;
}

function portFree(port) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (err) => (err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(false) : reject(err)));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Best effort: "pid 123 (java ...)" for whoever listens on a TCP port, via /proc/net/tcp*. */
function portHolder(port) {
  try {
    const inodes = new Set();
    for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
      if (!exists(f)) continue;
      for (const line of fs.readFileSync(f, 'utf8').split('\n').slice(1)) {
        const c = line.trim().split(/\s+/);
        if (c.length > 9 && c[3] === '0A' && Number.parseInt(c[1].split(':')[1], 16) === port) inodes.add(c[9]);
      }
    }
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let fds;
      try {
        fds = fs.readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let link;
        try {
          link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m && inodes.has(m[1])) {
          const cmd = (procArgv(pid) || []).join(' ');
          return `pid ${pid} (${cmd.length > 100 ? `${cmd.slice(0, 100)}…` : cmd})`;
        }
      }
    }
  } catch {
    /* not Linux-like /proc, or no permission */
  }
  return null;
}

async function assertPortsFree(comp) {
  for (const port of comp.ports) {
    if (await portFree(port)) continue;
    const holder = portHolder(port);
    throw new InfraError(
      `${comp.name}: port 127.0.0.1:${port} is already in use by another process` +
        `${holder ? ` — ${holder}` : ''}, not one started by this checkout's infra.mjs.\n` +
        `Stop that process, or pick another port, e.g. ${comp.portEnv[port]}=${port + 10000} npm run infra:up`,
    );
  }
}

function which(cmd) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir || '.', cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

function requireJava() {
  const home = process.env.JAVA_HOME && path.join(process.env.JAVA_HOME, 'bin', 'java');
  const java = home && exists(home) ? home : which('java');
  const hint = 'install a JDK: apt-get install openjdk-17-jdk-headless';
  if (!java) throw new InfraError(`java not found on PATH (needed to run Kafka) — ${hint}`);
  const out = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0;
  if (major < JAVA_MIN)
    throw new InfraError(`${java} is Java ${major || '?'}; Kafka needs Java ${JAVA_MIN}+ — ${hint}`);
  return java;
}

function requireMvn() {
  const mvn = which('mvn');
  if (!mvn) throw new InfraError('mvn not found on PATH (needed once to fetch the Kafka jars) — apt-get install maven');
  return mvn;
}

function requireGo(log) {
  const go = which('go');
  const need = `Go >= ${GO_MIN.join('.')} is required (once, to build FerretDB ${FERRETDB_VERSION})`;
  const hint =
    "Debian package: golang — but bookworm's is 1.19, too old; use a newer Go (e.g. bookworm-backports' golang-1.2x)";
  if (!go) throw new InfraError(`go not found on PATH. ${need}. ${hint}`);
  const v = spawnSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout.trim();
  const m = /^go(\d+)\.(\d+)/.exec(v);
  if (m) {
    const have = [Number(m[1]), Number(m[2])];
    const atLeast = (want) => have[0] > want[0] || (have[0] === want[0] && have[1] >= want[1]);
    if (!atLeast(GO_MIN_AUTO)) throw new InfraError(`${go} is ${v}. ${need}. ${hint}`);
    if (!atLeast(GO_MIN)) log(`  note: ${v} < go${GO_MIN.join('.')}; Go will fetch a newer toolchain for the build`);
  }
  return go;
}

// Shared build log for Maven and Go output (lines prefixed, since both may run at once).
let buildLogStream = null;
function buildLog(line) {
  if (!buildLogStream) {
    mkdirp(P.logs);
    buildLogStream = fs.createWriteStream(P.buildLog, { flags: 'a' });
  }
  buildLogStream.write(`${line}\n`);
}
async function closeBuildLog() {
  if (!buildLogStream) return;
  const s = buildLogStream;
  buildLogStream = null;
  await new Promise((r) => s.end(r));
}

/** Runs a build tool, teeing its output into infra-build.log; rejects with the output's tail. */
function runLogged(label, cmd, args, { cwd, env, capture = false } = {}) {
  return new Promise((resolve, reject) => {
    buildLog(`[${label}] ${new Date().toISOString()} $ (cd ${cwd || process.cwd()} && ${cmd} ${args.join(' ')})`);
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail = [];
    let stdout = '';
    const sink = (isStdout) => {
      let rest = '';
      return (chunk) => {
        const text = chunk.toString('utf8');
        if (isStdout && capture) stdout += text;
        const lines = (rest + text).split('\n');
        rest = lines.pop();
        for (const raw of lines) {
          // Maven prints colour resets even in batch mode.
          // eslint-disable-next-line no-control-regex
          const l = raw.replace(/\x1b\[[0-9;]*m/g, '');
          buildLog(`[${label}] ${l}`);
          tail.push(l);
          if (tail.length > TAIL_LINES) tail.shift();
        }
      };
    };
    child.stdout.on('data', sink(true));
    child.stderr.on('data', sink(false));
    child.on('error', (err) => reject(new InfraError(`${label}: cannot run ${cmd}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(stdout);
      reject(
        new InfraError(`${label} failed (${signal || `exit ${code}`}): ${cmd} ${args.join(' ')}`, {
          logFile: P.buildLog,
          tail: tail.join('\n'),
        }),
      );
    });
  });
}

/** Removes leftovers (`<prefix><pid>`) of interrupted builds whose process is gone. */
function cleanStale(dir, prefix) {
  if (!exists(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (!pid || !isAlive(pid)) rmTree(path.join(dir, name));
  }
}

/** rm -rf that also copes with read-only trees (Go module cache copies). */
function rmTree(p) {
  if (!exists(p)) return;
  const chmodDirs = (d) => {
    try {
      if (!fs.lstatSync(d).isDirectory()) return;
      fs.chmodSync(d, 0o755);
      for (const e of fs.readdirSync(d)) chmodDirs(path.join(d, e));
    } catch {
      /* best effort */
    }
  };
  chmodDirs(p);
  fs.rmSync(p, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Cached artefacts (shared by all checkouts on the machine, keyed by version).

async function ensureKafkaLibs(log) {
  const version = kafkaVersion();
  const dir = path.join(CACHE, `kafka-${version}`);
  const libs = path.join(dir, 'libs');
  if (exists(path.join(dir, '.complete'))) return libs;

  const mvn = requireMvn();
  mkdirp(CACHE);
  cleanStale(CACHE, `kafka-${version}.partial-`);
  log(`kafka: fetching Kafka ${version} jars with Maven into ${dir} (first run only)…`);
  const t0 = Date.now();
  // Copy into a private dir and rename at the end, so an interrupted run never looks complete
  // and two checkouts running `up` at once cannot trip over each other.
  const tmp = path.join(CACHE, `kafka-${version}.partial-${process.pid}`);
  rmTree(tmp);
  mkdirp(tmp);
  try {
    await runLogged(
      'mvn',
      mvn,
      ['-B', '-q', '-Dstyle.color=never', '-f', KAFKA_POM, 'package', `-Dairis.kafka.libs=${path.join(tmp, 'libs')}`],
      {
        cwd: HERE,
      },
    );
    const jars = fs.readdirSync(path.join(tmp, 'libs')).filter((f) => f.endsWith('.jar'));
    if (!jars.includes(`kafka_2.13-${version}.jar`)) {
      throw new InfraError(`mvn finished but kafka_2.13-${version}.jar is missing from ${tmp}/libs`, {
        logFile: P.buildLog,
      });
    }
    fs.writeFileSync(path.join(tmp, '.complete'), `${jars.sort().join('\n')}\n`);
    if (exists(path.join(dir, '.complete'))) {
      rmTree(tmp); // someone else finished first
    } else {
      rmTree(dir);
      fs.renameSync(tmp, dir);
    }
    log(`kafka: ${jars.length} jars ready in ${secs(Date.now() - t0)}`);
    return libs;
  } finally {
    rmTree(tmp);
  }
}

async function ensureFerretBinary(log) {
  const dir = path.join(CACHE, `ferretdb-${FERRETDB_VERSION.slice(1)}`);
  const bin = path.join(dir, 'ferretdb');
  if (exists(bin)) return bin;

  const go = requireGo(log);
  mkdirp(dir);
  cleanStale(dir, 'build-');
  cleanStale(dir, '.ferretdb.tmp-');
  log(
    `ferretdb: building FerretDB ${FERRETDB_VERSION} with Go into ${dir} (first run only; 1-2 min with a cold Go cache)…`,
  );
  const t0 = Date.now();
  const env = { ...process.env, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0', GOWORK: 'off', GO111MODULE: 'on' };
  const work = path.join(dir, `build-${process.pid}`);
  const tmpBin = path.join(dir, `.ferretdb.tmp-${process.pid}`);
  try {
    mkdirp(work);
    // `go install …/cmd/ferretdb@version` yields a binary that panics at start: the module zip lacks
    // the generated build/version/version.txt. So build from a writable copy of the module source.
    const json = await runLogged('go', go, ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
      cwd: work,
      env,
      capture: true,
    });
    const info = JSON.parse(json);
    if (info.Error || !info.Dir)
      throw new InfraError(`go mod download failed: ${info.Error || 'no Dir'}`, { logFile: P.buildLog });
    const src = path.join(work, 'src');
    fs.cpSync(info.Dir, src, { recursive: true });
    fs.chmodSync(path.join(src, 'build', 'version'), 0o755); // module cache files are read-only
    fs.writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    fs.writeFileSync(path.join(src, 'build', 'version', 'package.txt'), 'airis-mon-infra\n');
    await runLogged('go', go, ['build', '-trimpath', '-ldflags=-s -w', '-o', tmpBin, './cmd/ferretdb'], {
      cwd: src,
      env,
    });
    // Make sure the binary really starts before it is put in place.
    const check = spawnSync(tmpBin, ['--version'], { encoding: 'utf8' });
    if (check.status !== 0 || !check.stdout.includes(`version: ${FERRETDB_VERSION}`)) {
      throw new InfraError(`built ferretdb does not start:\n${check.stdout}${check.stderr}`);
    }
    fs.renameSync(tmpBin, bin);
    log(`ferretdb: built in ${secs(Date.now() - t0)}`);
    return bin;
  } finally {
    rmTree(work);
    fs.rmSync(tmpBin, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Readiness probes: real protocol round trips, not just an open port.

async function probeKafka(broker) {
  let admin;
  try {
    const mod = await import('kafkajs');
    const { Kafka, logLevel } = mod.default ?? mod;
    const kafka = new Kafka({
      clientId: 'airis-infra-probe',
      brokers: [broker],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      requestTimeout: 2000,
      retry: { retries: 0 },
    });
    admin = kafka.admin({ retry: { retries: 0 } });
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND') throw new InfraError('kafkajs is not installed — run npm ci first');
    return false;
  } finally {
    await admin?.disconnect().catch(() => {});
  }
}

async function probeMongo(uri) {
  let client;
  try {
    const { MongoClient } = await import('mongodb');
    client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000, directConnection: true });
    await client.connect();
    const res = await client.db('admin').command({ ping: 1 });
    return res.ok === 1;
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND')
      throw new InfraError('mongodb driver is not installed — run npm ci first');
    return false;
  } finally {
    await client?.close().catch(() => {});
  }
}

async function waitServing(comp, pid) {
  const t0 = Date.now();
  while (Date.now() - t0 < READY_TIMEOUT_MS) {
    if (pid && !isAlive(pid)) {
      throw new InfraError(`${comp.name} (pid ${pid}) exited during startup — see ${comp.logFile}`, {
        logFile: comp.logFile,
        tail: tailFile(comp.logFile, TAIL_LINES, true),
      });
    }
    if (await comp.probe()) return Date.now() - t0;
    await sleep(500);
  }
  throw new InfraError(`${comp.name} (pid ${pid}) did not serve on ${comp.address} within ${secs(READY_TIMEOUT_MS)}`, {
    logFile: comp.logFile,
    tail: tailFile(comp.logFile, TAIL_LINES, true),
  });
}

// ---------------------------------------------------------------------------------------------
// Starting the processes.

function kafkaServerProperties(cfg) {
  const props = {
    // Single KRaft node acting as broker and controller.
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${cfg.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${cfg.kafkaPort},CONTROLLER://127.0.0.1:${cfg.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${cfg.kafkaPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': P.kafkaData,
    // One broker: every internal topic must live with replication factor 1.
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    'num.partitions': 1,
    'auto.create.topics.enable': true,
    // Lean on a 2-core dev box: fewer threads, fewer internal partitions (created on first
    // consumer group / transaction; 50 is the default), a small log-cleaner buffer (128 MiB default).
    'num.network.threads': 2,
    'num.io.threads': 2,
    'background.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'offsets.topic.num.partitions': 5,
    'transaction.state.log.num.partitions': 5,
    'log.cleaner.threads': 1,
    'log.cleaner.dedupe.buffer.size': 8 * 1024 * 1024,
    // Keep dev data small: smaller segments so retention can actually delete.
    'log.segment.bytes': 64 * 1024 * 1024,
    'log.retention.hours': 72,
  };
  const lines = Object.entries(props).map(([k, v]) => `${k}=${v}`);
  return `# Generated by tools/infra/infra.mjs — rewritten on every start, do not edit.\n${lines.join('\n')}\n`;
}

function openComponentLog(comp, what) {
  mkdirp(P.logs);
  rotateLog(comp.logFile);
  const fd = fs.openSync(comp.logFile, 'a');
  fs.writeSync(fd, `\n${LOG_MARKER}${new Date().toISOString()} tools/infra/infra.mjs: ${what} ===\n`);
  return fd;
}

function spawnDetached(comp, cmd, args) {
  const fd = openComponentLog(comp, `starting ${comp.name}`);
  try {
    // Own session (detached) so Ctrl-C on `up` or the test runner does not take it down.
    const child = spawn(cmd, args, { cwd: REPO, detached: true, stdio: ['ignore', fd, fd] });
    child.on('error', () => {}); // reported through the liveness check in waitServing
    child.unref();
    if (!child.pid) throw new InfraError(`${comp.name}: failed to start ${cmd}`);
    mkdirp(P.run);
    fs.writeFileSync(comp.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

async function startKafka(cfg, comp, log) {
  const libs = await ensureKafkaLibs(log);
  const java = requireJava();
  const cp = `${libs}/*`;
  const log4j = ['-Dlog4j.configuration=file:' + KAFKA_LOG4J];
  mkdirp(P.kafkaData);
  fs.writeFileSync(P.kafkaProps, kafkaServerProperties(cfg));

  if (!exists(path.join(P.kafkaData, 'meta.properties'))) {
    let clusterId = exists(P.kafkaClusterId) ? fs.readFileSync(P.kafkaClusterId, 'utf8').trim() : '';
    if (!clusterId) {
      const r = spawnSync(java, [...log4j, '-cp', cp, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' });
      clusterId = r.stdout.trim().split('\n').pop();
      if (r.status !== 0 || !clusterId) throw new InfraError(`kafka: StorageTool random-uuid failed:\n${r.stderr}`);
      fs.writeFileSync(P.kafkaClusterId, `${clusterId}\n`);
    }
    const r = spawnSync(
      java,
      [...log4j, '-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', P.kafkaProps],
      {
        encoding: 'utf8',
      },
    );
    if (r.status !== 0) throw new InfraError(`kafka: formatting ${P.kafkaData} failed:\n${r.stdout}${r.stderr}`);
    log(`kafka: formatted KRaft storage (cluster id ${clusterId})`);
  }

  await assertPortsFree(comp);
  const pid = spawnDetached(comp, java, [
    ...cfg.kafkaHeap,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    ...log4j,
    `-Dkafka.logs.dir=${P.logs}`,
    '-cp',
    cp,
    'kafka.Kafka',
    P.kafkaProps,
  ]);
  log(`kafka: started pid ${pid}, waiting for ${comp.address}…`);
  return pid;
}

async function startFerret(cfg, comp, log) {
  const bin = await ensureFerretBinary(log);
  mkdirp(P.ferretData);
  mkdirp(P.ferretState);
  await assertPortsFree(comp);
  const pid = spawnDetached(comp, bin, [
    `--listen-addr=127.0.0.1:${cfg.mongoPort}`,
    '--handler=sqlite',
    `--sqlite-url=file:${P.ferretData}/`,
    `--state-dir=${P.ferretState}`,
    '--telemetry=disable',
    '--debug-addr=-', // no metrics/pprof HTTP listener (would grab 127.0.0.1:8088)
    // At 'warn' FerretDB dumps every failed command in full, including the driver's unsupported
    // endSessions on each client close, so the default keeps the log to real errors.
    `--log-level=${process.env.AIRIS_FERRETDB_LOG_LEVEL || 'error'}`,
  ]);
  log(`ferretdb: started pid ${pid}, waiting for ${comp.address}…`);
  return pid;
}

/** Is a running process of ours configured like we would start it now? (e.g. ports changed) */
function runningConfigMatches(comp, cfg, pid) {
  if (comp.name === 'kafka') {
    try {
      return fs.readFileSync(P.kafkaProps, 'utf8') === kafkaServerProperties(cfg);
    } catch {
      return false;
    }
  }
  return (procArgv(pid) || []).includes(`--listen-addr=127.0.0.1:${cfg.mongoPort}`);
}

async function ensureComponent(cfg, comp, start, log) {
  const t0 = Date.now();
  let pid = findOurs(comp);
  let reused = false;
  if (pid) {
    if (!runningConfigMatches(comp, cfg, pid)) {
      throw new InfraError(
        `${comp.name} from this checkout is already running (pid ${pid}) with different settings ` +
          `(ports changed?) — run \`npm run infra:down\` first`,
      );
    }
    reused = true;
    log(`${comp.name}: already running (pid ${pid}), checking ${comp.address}…`);
  } else {
    pid = await start(cfg, comp, log);
  }
  const waited = await waitServing(comp, pid);
  log(`${comp.name}: serving on ${comp.address}${reused ? '' : ` after ${secs(waited)}`}`);
  return {
    name: comp.name,
    pid,
    reused,
    address: comp.address,
    ...comp.extra,
    dataDir: comp.dataDir,
    logFile: comp.logFile,
    ms: Date.now() - t0,
  };
}

// A lock so that two `up`/`down` runs in one checkout (e.g. a developer and the test runner)
// cannot start two brokers. Stale locks (dead pid) are taken over.
async function withLock(fn) {
  mkdirp(P.run);
  const t0 = Date.now();
  for (;;) {
    try {
      fs.writeFileSync(P.lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number.parseInt(fs.readFileSync(P.lock, 'utf8'), 10);
      if (!holder || !isAlive(holder)) {
        fs.rmSync(P.lock, { force: true });
        continue;
      }
      if (Date.now() - t0 > 10 * 60_000) throw new InfraError(`another infra.mjs (pid ${holder}) holds ${P.lock}`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(P.lock, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Public API.

const defaultLog = (msg) => console.log(msg);

/**
 * Starts (or reuses) Kafka and FerretDB and waits until both really serve.
 * @returns {Promise<{kafka: object, ferretdb: object, env: {KAFKA_BROKERS: string, MONGODB_URI: string}, envFile: string, ms: number}>}
 */
/**
 * Every missing toolchain in one error, before anything starts: Java always (it runs Kafka),
 * Maven and Go only while their artefacts are not cached yet.
 */
function preflight(log) {
  const checks = [requireJava];
  if (!exists(path.join(CACHE, `kafka-${kafkaVersion()}`, '.complete'))) checks.push(requireMvn);
  if (!exists(path.join(CACHE, `ferretdb-${FERRETDB_VERSION.slice(1)}`, 'ferretdb'))) checks.push(() => requireGo(log));
  const problems = [];
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new InfraError(problems.join('\n'));
}

export async function up({ log = defaultLog } = {}) {
  const t0 = Date.now();
  const cfg = config();
  const comps = components(cfg);
  mkdirp(LOCAL);
  preflight(log);
  return withLock(async () => {
    // Both chains run concurrently: Maven mostly waits on the network while Go compiles.
    const tasks = [
      () => ensureComponent(cfg, comps.kafka, startKafka, log),
      () => ensureComponent(cfg, comps.ferretdb, startFerret, log),
    ];
    let settled;
    try {
      if (process.env.AIRIS_INFRA_SERIAL === '1') {
        settled = [];
        for (const t of tasks)
          settled.push(
            await t().then(
              (value) => ({ status: 'fulfilled', value }),
              (reason) => ({ status: 'rejected', reason }),
            ),
          );
      } else {
        settled = await Promise.allSettled(tasks.map((t) => t()));
      }
    } finally {
      await closeBuildLog();
    }
    const failed = settled.filter((s) => s.status === 'rejected').map((s) => s.reason);
    if (failed.length) {
      if (failed.length === 1) throw failed[0];
      const err = new InfraError(failed.map((e) => e.message).join('\n'));
      err.errors = failed;
      throw err;
    }
    const [kafka, ferretdb] = settled.map((s) => s.value);
    const env = cfg.env;
    fs.writeFileSync(
      P.envFile,
      `# Written by \`npm run infra:up\` (tools/infra/infra.mjs); source it or load it as a dotenv file.\n` +
        Object.entries(env)
          .map(([k, v]) => `${k}=${v}\n`)
          .join(''),
    );
    return { kafka, ferretdb, env, envFile: P.envFile, ms: Date.now() - t0 };
  });
}

async function stopPid(comp, pid) {
  const t0 = Date.now();
  const gone = async (ms) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!isAlive(pid)) return true;
      await sleep(200);
    }
    return !isAlive(pid);
  };
  // Re-check right before signalling: never signal a recycled pid.
  const argv = procArgv(pid);
  if (!argv || !comp.isOurs(argv)) return { signal: null, ms: 0 };
  process.kill(pid, 'SIGTERM');
  let signal = 'SIGTERM';
  if (!(await gone(STOP_TIMEOUT_MS))) {
    signal = 'SIGKILL';
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* exited meanwhile */
    }
    if (!(await gone(5000))) throw new InfraError(`${comp.name} (pid ${pid}) did not exit after SIGKILL`);
  }
  return { signal, ms: Date.now() - t0 };
}

/**
 * Stops what `up` started in this checkout (never anything else). Data stays unless purge is set.
 * @returns {Promise<{components: object[], purged: string[]}>}
 */
export async function down({ purge = false, log = defaultLog } = {}) {
  const comps = components(config());
  mkdirp(LOCAL);
  return withLock(async () => {
    const results = await Promise.all(
      Object.values(comps).map(async (comp) => {
        const pid = findOurs(comp);
        if (!pid) {
          log(`${comp.name}: not running`);
          return { name: comp.name, pid: null, stopped: false };
        }
        log(`${comp.name}: stopping pid ${pid}…`);
        const { signal, ms } = await stopPid(comp, pid);
        fs.rmSync(comp.pidFile, { force: true });
        if (signal) log(`${comp.name}: stopped (${signal}) in ${secs(ms)}`);
        return { name: comp.name, pid, stopped: Boolean(signal), signal, ms };
      }),
    );
    const purged = [];
    if (purge) {
      for (const dir of [P.kafkaDir, P.ferretDir, P.envFile]) {
        if (!exists(dir)) continue;
        rmTree(dir);
        purged.push(dir);
        log(`purged ${rel(dir)}`);
      }
    }
    return { components: results, purged };
  });
}

/**
 * What runs where. `serving` is a real protocol round trip against the configured address.
 * @returns {Promise<{components: object[], allServing: boolean, env: object}>}
 */
export async function status() {
  const cfg = config();
  const list = await Promise.all(
    Object.values(components(cfg)).map(async (comp) => {
      const pid = findOurs(comp);
      const serving = await comp.probe();
      return {
        name: comp.name,
        pid,
        running: pid !== null,
        address: comp.address,
        ...comp.extra,
        serving,
        // Something answers, but it is not a process this checkout started.
        foreign: serving && pid === null,
        dataDir: comp.dataDir,
        logFile: comp.logFile,
      };
    }),
  );
  return { components: list, allServing: list.every((c) => c.serving), env: cfg.env, repo: REPO, cacheDir: CACHE };
}

// ---------------------------------------------------------------------------------------------
// CLI.

function printError(err) {
  console.error(`\ninfra: ${err.message}`);
  if (!(err instanceof InfraError) && err.stack) console.error(err.stack);
}

async function main(argv) {
  const [cmd, ...rest] = argv;
  const flags = new Set(rest);
  switch (cmd) {
    case 'up': {
      const res = await up();
      console.log(`\ninfra up in ${secs(res.ms)} — environment (also in ${rel(res.envFile)}):`);
      for (const [k, v] of Object.entries(res.env)) console.log(`${k}=${v}`);
      return 0;
    }
    case 'down': {
      await down({ purge: flags.has('--purge') });
      return 0;
    }
    case 'status': {
      const st = await status();
      if (flags.has('--json')) {
        console.log(JSON.stringify(st, null, 2));
      } else {
        const rows = [['component', 'pid', 'address', 'serving', 'data', 'log']];
        for (const c of st.components) {
          const addr = c.controllerAddress ? `${c.address} (controller ${c.controllerAddress})` : c.address;
          const serving = c.serving ? (c.foreign ? 'yes (not ours)' : 'yes') : 'no';
          rows.push([c.name, c.pid ?? '-', addr, serving, rel(c.dataDir), rel(c.logFile)].map(String));
        }
        const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
        for (const r of rows)
          console.log(
            r
              .map((v, i) => v.padEnd(widths[i]))
              .join('  ')
              .trimEnd(),
          );
        console.log(`(repo ${st.repo}, cache ${st.cacheDir})`);
      }
      return st.allServing ? 0 : 3;
    }
    default:
      console.error('usage: node tools/infra/infra.mjs up | down [--purge] | status [--json]');
      return 2;
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  // `infra.mjs status | head -1` must not crash with EPIPE.
  process.stdout.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      printError(err);
      process.exitCode = 1;
    },
  );
}
