// The service's Kafka producer in a worker thread (see ProducerThread in producer-thread.ts):
// kafkajs's record encoding, CRC and buffer churn run here, on another core and a small heap.
import { parentPort, workerData } from 'node:worker_threads';
import { CompressionTypes, type Message, type RecordMetadata } from 'kafkajs';
import { PRODUCER_CONFIG, createKafkaClient } from './kafka-client';

export interface ProducerThreadInit {
  clientId: string;
  brokers: string[];
}

/** Main → worker. `crash` is a test hook (an uncaught exception in the thread). */
export type ToProducerThread =
  { type: 'send'; id: number; topic: string; messages: Message[] } | { type: 'close' } | { type: 'crash' };

/** A failed send's error, enough for `classifyError` on the main thread. */
export interface SendFailure {
  name: string;
  message: string;
  retriable?: boolean;
  code?: string;
}

/** Worker → main. */
export type FromProducerThread =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'done'; id: number; metadata?: RecordMetadata[]; error?: SendFailure }
  | { type: 'log'; level: 'warn' | 'error'; line: string }
  | { type: 'closed' };

/** Posted Buffers arrive as plain Uint8Arrays; kafkajs needs Buffers (or strings). */
function asBuffer<T>(v: T): T | Buffer {
  return v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
}

function revive(m: Message): Message {
  const headers = m.headers
    ? Object.fromEntries(
        Object.entries(m.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(asBuffer) : asBuffer(v)]),
      )
    : undefined;
  return {
    ...m,
    ...(m.key !== undefined && m.key !== null ? { key: asBuffer(m.key) } : {}),
    ...(m.value !== undefined && m.value !== null ? { value: asBuffer(m.value) } : {}),
    ...(headers ? { headers } : {}),
  };
}

const port = parentPort;
if (port) {
  const init = workerData as ProducerThreadInit;
  const post = (m: FromProducerThread): void => port.postMessage(m);
  const kafka = createKafkaClient(init, (level, line) => post({ type: 'log', level, line }));
  const producer = kafka.producer(PRODUCER_CONFIG);
  producer.connect().then(
    () => post({ type: 'ready' }),
    (error: unknown) => post({ type: 'failed', message: (error as Error).message }),
  );
  port.on('message', (m: ToProducerThread) => {
    switch (m.type) {
      case 'send':
        producer
          .send({ topic: m.topic, messages: m.messages.map(revive), acks: -1, compression: CompressionTypes.None })
          .then(
            (metadata) => post({ type: 'done', id: m.id, metadata }),
            (error: unknown) => {
              const e = error as Error & { retriable?: boolean; code?: string };
              post({
                type: 'done',
                id: m.id,
                error: {
                  name: e.name || 'Error',
                  message: e.message || String(error),
                  ...(typeof e.retriable === 'boolean' ? { retriable: e.retriable } : {}),
                  ...(typeof e.code === 'string' ? { code: e.code } : {}),
                },
              });
            },
          );
        break;
      case 'close':
        void producer.disconnect().finally(() => post({ type: 'closed' }));
        break;
      case 'crash':
        setImmediate(() => {
          throw new Error('producer thread crash (test)');
        });
        break;
    }
  });
}
