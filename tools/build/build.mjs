#!/usr/bin/env node
// Compiles apps/ and libs/ with SWC into dist/ (decorator metadata included, which NestJS DI
// needs), then links dist/node_modules/@airis/<lib> → dist/libs/<lib>/src so the `@airis/*`
// imports resolve at run time exactly as the tsconfig paths do at compile time.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = join(root, 'dist');

export function build({ quiet = false } = {}) {
  const started = Date.now();
  rmSync(dist, { recursive: true, force: true });
  const swc = join(root, 'node_modules/.bin/swc');
  const result = spawnSync(
    swc,
    [
      'apps',
      'libs',
      '-d',
      'dist',
      '--config-file',
      '.swcrc',
      '--copy-files',
      '--ignore',
      '**/*.spec.ts,**/*.int-spec.ts',
      '--quiet',
    ],
    { cwd: root, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(`swc failed (exit ${result.status}):\n${result.stderr ?? ''}${result.stdout ?? ''}`);
  }
  const scope = join(dist, 'node_modules/@airis');
  mkdirSync(scope, { recursive: true });
  for (const lib of readdirSync(join(root, 'libs'))) {
    const target = join(dist, 'libs', lib, 'src');
    symlinkSync(relative(scope, target), join(scope, lib), 'dir');
  }
  if (!quiet) console.log(`built apps and libs into dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    build();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
