// The ingest producer pool in a worker thread (see ProducerThread in ingest-producer.ts): kafkajs's
// encoding and its buffer churn run here, on their own small heap and on another core.
import { parentPort, workerData } from 'node:worker_threads';
import type { Message } from 'kafkajs';
import { ProducerLanes } from './producer-lanes';

export interface WorkerInit {
  clientId: string;
  brokers: string[];
  producers: number;
}

/** Main → worker. */
export type ToWorker = { type: 'send'; id: number; items: { topic: string; message: Message }[] } | { type: 'close' };

/** Worker → main. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'done'; id: number; error?: string }
  | { type: 'report'; seconds: number; waits: number[] }
  | { type: 'warn'; message: string }
  | { type: 'closed' };

const port = parentPort;
if (port) {
  const init = workerData as WorkerInit;
  const post = (m: FromWorker): void => port.postMessage(m);
  const lanes = new ProducerLanes({
    ...init,
    warn: (message) => post({ type: 'warn', message }),
    onSend: (report) => post({ type: 'report', ...report }),
  });
  port.on('message', (m: ToWorker) => {
    if (m.type === 'send') {
      lanes.enqueue(m.items).then(
        () => post({ type: 'done', id: m.id }),
        (error: unknown) => post({ type: 'done', id: m.id, error: (error as Error).message }),
      );
    } else if (m.type === 'close') {
      void lanes.close().finally(() => post({ type: 'closed' }));
    }
  });
  lanes.connect().then(
    () => post({ type: 'ready' }),
    (error: unknown) => post({ type: 'failed', message: (error as Error).message }),
  );
}
