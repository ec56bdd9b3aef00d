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

/**
 * What the thread of a `RespawningWorker` posts: `ready` once it can serve (or `failed`), a
 * `done` per request (by the request's `id`), `closed` after a `close`, and anything else the
 * owner handles.
 */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'closed' }
  | { type: 'done'; id: number }
  | { type: string };

export interface RespawningWorkerOptions<R> {
  dir: string;
  name: string;
  /** The thread's `workerData`, read at every start: a replacement starts with the current state. */
  workerData: () => unknown;
  /** The thread, as log lines name it ("producer thread"). */
  what: string;
  logger: { error(message: string): void; warn(message: string): void };
  /** The error that requests fail with while no thread is up (pending ones when it dies). */
  down: (message: string) => Error;
  /** A `done` message: what its request resolves with, or the Error it rejects with. */
  settle: (done: { type: 'done'; id: number }) => R | Error;
  /** Any message other than ready, failed, done and closed. */
  onMessage?: (message: { type: string }) => void;
}

const RESPAWN_MIN_MS = 100;
const RESPAWN_MAX_MS = 5_000;
const CLOSE_WAIT_MS = 10_000;

/**
 * A worker thread serving requests, restarted when it dies. `connect()` resolves when the first
 * thread is ready and rejects if it cannot start (the service's start fails). Once one has been
 * ready, a thread that dies (uncaught exception, `exit`, or `failed` after a restart) fails its
 * pending requests at once with `down(...)` — they may or may not have taken effect — requests
 * while none is up fail the same way, and a new thread starts after a backoff (100 ms doubling to
 * 5 s, reset once one is ready). `close()` asks the thread to finish (`close` → `closed`, at most
 * 10 s) and ends it.
 */
export class RespawningWorker<R> {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: (value: R) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private started = false;
  private isUp = false;
  private closing = false;
  private backoffMs = RESPAWN_MIN_MS;
  private respawnTimer: NodeJS.Timeout | undefined;
  private closed: (() => void) | undefined;
  private readonly first: Promise<void>;

  constructor(private readonly options: RespawningWorkerOptions<R>) {
    this.first = this.spawn();
  }

  /** Resolves when the first thread is ready; rejects if it could not start. */
  connect(): Promise<void> {
    return this.first;
  }

  /** False while no thread is ready (between a crash and its replacement's ready). */
  get up(): boolean {
    return this.isUp;
  }

  /** Posts a request (its `id` is added) and resolves with what its `done` message settles to. */
  request(message: { type: string } & Record<string, unknown>): Promise<R> {
    const worker = this.worker;
    if (!worker || !this.isUp) return Promise.reject(this.options.down(`the ${this.options.what} is restarting`));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  }

  /** Posts to the current thread (no reply expected); false while there is none. */
  post(message: { type: string } & Record<string, unknown>): boolean {
    if (!this.worker) return false;
    this.worker.postMessage(message);
    return true;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.respawnTimer);
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    if (this.isUp) {
      const closed = new Promise<void>((resolve) => {
        this.closed = resolve;
      });
      worker.postMessage({ type: 'close' });
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    }
    await worker.terminate();
    await exited;
  }

  private spawn(): Promise<void> {
    const { dir, name, what, logger } = this.options;
    const worker = startWorkerThread(dir, name, this.options.workerData());
    worker.unref();
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      const lost = (cause: Error): void => {
        if (this.worker !== worker) return; // handled already (an error, then the exit)
        this.worker = undefined;
        this.isUp = false;
        const error = this.options.down(cause.message);
        reject(error);
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
        if (this.closing) {
          this.closed?.();
          return;
        }
        logger.error(`${what} lost: ${cause.message}`);
        this.scheduleRespawn();
      };
      worker.on('message', (m: WorkerMessage) => {
        if (this.worker !== worker) return;
        if (m.type === 'ready') {
          this.started = true;
          this.isUp = true;
          this.backoffMs = RESPAWN_MIN_MS;
          resolve();
        } else if (m.type === 'failed') {
          void worker.terminate();
          lost(new Error(`${what} could not start: ${(m as { message: string }).message}`));
        } else if (m.type === 'done') {
          const done = m as { type: 'done'; id: number };
          const p = this.pending.get(done.id);
          this.pending.delete(done.id);
          const outcome = this.options.settle(done);
          if (outcome instanceof Error) p?.reject(outcome);
          else p?.resolve(outcome);
        } else if (m.type === 'closed') {
          this.closed?.();
        } else {
          this.options.onMessage?.(m);
        }
      });
      worker.once('error', (thrown: unknown) => lost(thrown instanceof Error ? thrown : new Error(String(thrown))));
      worker.once('exit', (code) => lost(new Error(`${what} exited (code ${code})`)));
    });
  }

  private scheduleRespawn(): void {
    // Before the first ready the service is still starting: its start fails instead.
    if (!this.started || this.closing || this.respawnTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, RESPAWN_MAX_MS);
    this.options.logger.warn(`starting a new ${this.options.what} in ${delay} ms`);
    this.respawnTimer = setTimeout(() => {
      this.respawnTimer = undefined;
      if (this.closing) return;
      this.spawn().catch(() => undefined); // a failure is handled (respawn) by spawn itself
    }, delay);
    this.respawnTimer.unref();
  }
}
