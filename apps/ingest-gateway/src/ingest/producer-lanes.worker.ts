// The ingest producer pool in a worker thread (see ProducerThread in ingest-producer.ts): kafkajs's
// encoding and its buffer churn run here, on their own small heap and on another core.
import { parentPort, workerData } from 'node:worker_threads';
import type { Message } from 'kafkajs';
import { CuttableSockets } from './cuttable-sockets';
import { ProducerLanes } from './producer-lanes';

export interface WorkerInit {
  clientId: string;
  brokers: string[];
  producers: number;
  /**
   * TEST ONLY (set when a test injects `INGEST_TEST_NETWORK`): the pool's sockets go through a
   * `CuttableSockets` of this thread, and the test messages below are obeyed.
   */
  testNetwork?: { deadPort: number; connectable: boolean };
}

/** Main → worker. `set-connectable` and `crash` are test hooks, ignored without `testNetwork`. */
export type ToWorker =
  | { type: 'send'; id: number; items: { topic: string; message: Message }[] }
  | { type: 'close' }
  | { type: 'set-connectable'; connectable: boolean }
  | { type: 'crash' };

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
  const sockets = init.testNetwork
    ? new CuttableSockets(init.testNetwork.deadPort, init.testNetwork.connectable)
    : undefined;
  const lanes = new ProducerLanes({
    clientId: init.clientId,
    brokers: init.brokers,
    producers: init.producers,
    ...(sockets ? { socketFactory: sockets.factory } : {}),
    warn: (message) => post({ type: 'warn', message }),
    onSend: (report) => post({ type: 'report', ...report }),
  });
  port.on('message', (m: ToWorker) => {
    switch (m.type) {
      case 'send':
        lanes.enqueue(m.items).then(
          () => post({ type: 'done', id: m.id }),
          (error: unknown) => post({ type: 'done', id: m.id, error: (error as Error).message }),
        );
        break;
      case 'close':
        void lanes.close().finally(() => post({ type: 'closed' }));
        break;
      case 'set-connectable':
        sockets?.setConnectable(m.connectable);
        break;
      case 'crash':
        // An uncaught exception ends the thread, as a bug in kafkajs or in the pool would.
        if (sockets)
          setImmediate(() => {
            throw new Error('producer thread crash requested by a test');
          });
        break;
    }
  });
  lanes.connect().then(
    () => post({ type: 'ready' }),
    (error: unknown) => post({ type: 'failed', message: (error as Error).message }),
  );
}
