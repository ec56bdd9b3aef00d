#!/usr/bin/env node
// Runs a TypeScript file of the repo directly (SWC on the fly, tsconfig paths honoured).
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node tools/build/run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
// Node flags given to this script (e.g. --disable-warning) apply to the file run, too.
const result = spawnSync(process.execPath, [...process.execArgv, '-r', '@swc-node/register', resolve(file), ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SWC_NODE_PROJECT: resolve(root, 'tsconfig.json') },
});
process.exit(result.status ?? 1);
