import { Logger } from '@nestjs/common';
import type { Message, RecordMetadata } from 'kafkajs';
import type { Worker } from 'node:worker_threads';
import type { FromProducerThread, ProducerThreadInit, SendFailure, ToProducerThread } from './producer-thread.worker';
import { startWorkerThread } from './worker-thread';

/** The producer thread is down (crashed, restarting): a transient failure (`classifyError`). */
export class ProducerThreadDown extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProducerThreadDown';
  }
}

/** The thread's error as the caller would have had it from kafkajs (name, `retriable`, code). */
function sendError(f: SendFailure): Error {
  return Object.assign(new Error(f.message), {
    name: f.name,
    ...(f.retriable === undefined ? {} : { retriable: f.retriable }),
    ...(f.code === undefined ? {} : { code: f.code }),
  });
}

const RESPAWN_MIN_MS = 100;
const RESPAWN_MAX_MS = 5_000;

/**
 * The service's idempotent producer (acks=all, one request in flight) in a worker thread:
 * records are posted to it and each send waits for its ack message. kafkajs's encoding costs
 * ~20 µs per record with its CloudEvents headers; in the thread that runs on the other core.
 *
 * If the thread dies, the sends it had not acked are rejected at once (they may or may not have
 * reached the broker; consumers deduplicate by id), sends while it is down are rejected, and a
 * new thread is started after a backoff (100 ms doubling to 5 s, reset once one is ready).
 */
export class ProducerThread {
  private readonly logger = new Logger('KafkaProducer');
  private worker: Worker | undefined;
  private ready = false;
  private readonly pending = new Map<
    number,
    { resolve: (m: RecordMetadata[]) => void; reject: (error: Error) => void }
  >();
  private nextId = 1;
  private backoffMs = RESPAWN_MIN_MS;
  private respawnTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private readonly first: Promise<void>;

  constructor(private readonly init: ProducerThreadInit) {
    this.first = this.spawn();
  }

  /** Resolves once the first thread's producer is connected; rejects if that fails. */
  connect(): Promise<void> {
    return this.first;
  }

  /** False while the thread is down (between a crash and its replacement's ready). */
  get up(): boolean {
    return this.ready;
  }

  /** Resolves with kafkajs's record metadata once every in-sync replica has the records. */
  send(topic: string, messages: Message[]): Promise<RecordMetadata[]> {
    const worker = this.worker;
    if (!worker || !this.ready)
      return Promise.reject(new ProducerThreadDown('the Kafka producer thread is restarting'));
    return new Promise<RecordMetadata[]>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'send', id, topic, messages } satisfies ToProducerThread);
    });
  }

  /** TEST ONLY: an uncaught exception in the thread. */
  crash(): void {
    this.worker?.postMessage({ type: 'crash' } satisfies ToProducerThread);
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.respawnTimer) clearTimeout(this.respawnTimer);
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.on('message', (m: FromProducerThread) => {
        if (m.type === 'closed') void worker.terminate();
      });
      if (this.ready) worker.postMessage({ type: 'close' } satisfies ToProducerThread);
      else void worker.terminate();
    });
  }

  private spawn(): Promise<void> {
    const worker = startWorkerThread(__dirname, 'producer-thread.worker', this.init);
    worker.unref();
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      const lost = (cause: Error): void => {
        const error = new ProducerThreadDown(cause.message);
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.ready = false;
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
        reject(error);
        if (this.closing) return;
        this.logger.error(`producer thread lost (${error.message}); restarting in ${this.backoffMs} ms`);
        const delay = this.backoffMs;
        this.backoffMs = Math.min(RESPAWN_MAX_MS, this.backoffMs * 2);
        this.respawnTimer = setTimeout(() => {
          this.spawn().catch(() => undefined);
        }, delay);
      };
      worker.on('error', (error: Error) => lost(error));
      worker.on('exit', (code) => lost(new Error(`producer thread exited with code ${code}`)));
      worker.on('message', (m: FromProducerThread) => {
        switch (m.type) {
          case 'ready':
            this.ready = true;
            this.backoffMs = RESPAWN_MIN_MS;
            resolve();
            break;
          case 'failed':
            void worker.terminate();
            lost(new Error(`producer thread could not connect: ${m.message}`));
            break;
          case 'done': {
            const p = this.pending.get(m.id);
            this.pending.delete(m.id);
            if (m.error === undefined) p?.resolve(m.metadata ?? []);
            else p?.reject(sendError(m.error));
            break;
          }
          case 'log':
            if (m.level === 'error') this.logger.error(m.line);
            else this.logger.warn(m.line);
            break;
          case 'closed':
            break;
        }
      });
    });
  }
}
