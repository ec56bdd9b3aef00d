import { Logger } from '@nestjs/common';
import type { Message, RecordMetadata } from 'kafkajs';
import type { FromProducerThread, ProducerThreadInit, SendFailure, ToProducerThread } from './producer-thread.worker';
import { RespawningWorker } from './worker-thread';

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

/**
 * The service's idempotent producer (acks=all, one request in flight) in a worker thread:
 * records are posted to it and each send waits for its ack message. kafkajs's encoding costs
 * ~20 µs per record with its CloudEvents headers; in the thread that runs on the other core.
 *
 * If the thread dies, the sends it had not acked are rejected at once with `ProducerThreadDown`
 * (they may or may not have reached the broker; consumers deduplicate by id), sends while it is
 * down are rejected the same way, and a new thread starts after a backoff (`RespawningWorker`).
 */
export class ProducerThread {
  private readonly thread: RespawningWorker<RecordMetadata[]>;

  constructor(init: ProducerThreadInit) {
    const logger = new Logger('KafkaProducer');
    this.thread = new RespawningWorker<RecordMetadata[]>({
      dir: __dirname,
      name: 'producer-thread.worker',
      workerData: () => init,
      what: 'producer thread',
      logger,
      down: (message) => new ProducerThreadDown(message),
      settle: (done) => {
        const m = done as Extract<FromProducerThread, { type: 'done' }>;
        return m.error === undefined ? (m.metadata ?? []) : sendError(m.error);
      },
      onMessage: (message) => {
        const m = message as FromProducerThread;
        if (m.type !== 'log') return;
        if (m.level === 'error') logger.error(m.line);
        else logger.warn(m.line);
      },
    });
  }

  /** Resolves once the first thread's producer is connected; rejects if that fails. */
  connect(): Promise<void> {
    return this.thread.connect();
  }

  /** False while the thread is down (between a crash and its replacement's ready). */
  get up(): boolean {
    return this.thread.up;
  }

  /** Resolves with kafkajs's record metadata once every in-sync replica has the records. */
  send(topic: string, messages: Message[]): Promise<RecordMetadata[]> {
    return this.thread.request({ type: 'send', topic, messages } satisfies Omit<
      Extract<ToProducerThread, { type: 'send' }>,
      'id'
    >);
  }

  /** TEST ONLY: an uncaught exception in the thread. */
  crash(): void {
    this.thread.post({ type: 'crash' } satisfies ToProducerThread);
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
