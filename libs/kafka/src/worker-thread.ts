import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Starts `<dir>/<name>.js` in a worker thread, or `<name>.ts` when running from TypeScript
 * sources (tests, benches), registering the same compiler in the thread first.
 */
export function startWorkerThread(dir: string, name: string, workerData: unknown): Worker {
  const js = join(dir, `${name}.js`);
  const file = existsSync(js) ? js : join(dir, `${name}.ts`);
  const source = `${file.endsWith('.ts') ? "require('@swc-node/register');" : ''}require(${JSON.stringify(file)});`;
  return new Worker(source, { eval: true, workerData });
}
