#!/usr/bin/env node
// `npm test`: starts the local Kafka and FerretDB (unless KAFKA_BROKERS and MONGODB_URI point
// elsewhere), runs every unit and integration spec with jest, and ends with one plain summary
// line. `--unit` runs only the unit specs, without infrastructure. Other arguments go to jest.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const jestArgs = args.filter((a) => a !== '--unit');

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `npm test needs Node 24 (this is ${process.versions.node}); run it through npm so node_modules/.bin/node is used.`,
  );
  process.exit(1);
}

const env = { ...process.env, NX_DAEMON: 'false', FORCE_COLOR: process.env.CI ? '0' : process.env.FORCE_COLOR };
if (!unitOnly) {
  if (env.KAFKA_BROKERS && env.MONGODB_URI) {
    console.log(`› using KAFKA_BROKERS=${env.KAFKA_BROKERS} and MONGODB_URI from the environment`);
  } else {
    const { up } = await import('../infra/infra.mjs');
    const infra = await up();
    env.KAFKA_BROKERS = infra.env.KAFKA_BROKERS;
    env.MONGODB_URI = infra.env.MONGODB_URI;
  }
}

const outDir = join(root, 'test-output');
mkdirSync(outDir, { recursive: true });
const report = join(outDir, 'jest-results.json');
const jest = spawnSync(
  process.execPath,
  [
    // NestJS 12 ships ES modules; jest loads them through require(esm) only with the VM modules API.
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    join(root, 'node_modules/jest/bin/jest.js'),
    '--ci',
    '--maxWorkers=2',
    '--json',
    `--outputFile=${report}`,
    ...(unitOnly ? ['--selectProjects', 'unit'] : []),
    ...jestArgs,
  ],
  { cwd: root, env, stdio: 'inherit' },
);

try {
  const results = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = results.numPendingTests + results.numTodoTests;
  console.log(
    `\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`,
  );
  if (results.numTotalTests === 0) {
    console.error('no test ran');
    process.exit(1);
  }
} catch {
  console.error('jest wrote no results');
}
process.exit(jest.status ?? 1);
