import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit, Optional } from '@nestjs/common';
import { ServiceEnv } from '@airis/config';
import { KAFKA_OPTIONS, type KafkaModuleOptions, RespawningWorker } from '@airis/kafka';
import { ReadinessRegistry, counter, histogram } from '@airis/observability';
import { AppError } from '@airis/resilience';
import { GATEWAY_ENV } from '../gateway.tokens';
import type { GatewayEnv } from '../gateway.config';
import { CuttableSockets } from './cuttable-sockets';
import { type OutgoingMessage, ProducerLanes, type SendReport } from './producer-lanes';
import type { FromWorker, ToWorker, WorkerInit } from './producer-lanes.worker';

export { noDelaySocketFactory, type OutgoingMessage } from './producer-lanes';

/**
 * TEST ONLY: a network between the ingest producer pool and the broker that a test can cut
 * (`testing/cuttable-network.ts`). The pool's sockets are then made by a `CuttableSockets` in
 * the thread that runs the pool; the producer hands the test a `ProducerTestControl` to cut,
 * restore, and crash the worker thread. Never provided outside tests.
 */
export const INGEST_TEST_NETWORK = Symbol('INGEST_TEST_NETWORK');

export interface ProducerTestControl {
  /** false: live producer sockets are destroyed and new ones are refused; true: restored. */
  setConnectable(connectable: boolean): void;
  /** Makes the worker thread throw an uncaught exception (worker mode only). */
  crashThread(): void;
}

export interface IngestTestNetwork {
  /** A local port nobody listens on: where cut connections go. */
  deadPort: number;
  bind(control: ProducerTestControl): void;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10];
const sendDuration = histogram(
  'airis_gateway_kafka_send_seconds',
  'Duration of one coalesced Kafka send (encode, acks=all round trip)',
  [],
  LATENCY_BUCKETS,
);
const queueWait = histogram(
  'airis_gateway_kafka_queue_wait_seconds',
  "A request's wait for a free producer before its records are sent",
  [],
  LATENCY_BUCKETS,
);
const sendRequests = histogram(
  'airis_gateway_kafka_send_requests',
  'Requests coalesced into one Kafka send',
  [],
  [1, 2, 4, 8, 16, 32, 64],
);
const unavailable = counter(
  'airis_gateway_kafka_unavailable_total',
  'Requests answered 503: Kafka did not ack in time',
);

function observeSend(report: SendReport): void {
  sendDuration.observe(report.seconds);
  sendRequests.observe(report.waits.length);
  for (const w of report.waits) queueWait.observe(w);
}

/** Where the producer pool runs: in this thread, or in a worker thread. */
interface LanesBackend {
  connect(): Promise<void>;
  enqueue(items: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
  /** False while the worker thread is down (between a crash and its replacement's ready). */
  up(): boolean;
}

/**
 * The pool in a worker thread: records are posted to it (structured clone) and each request
 * waits for its ack message. kafkajs's encoding, its CRC and its many short-lived buffers cost
 * about four times the CPU of the HTTP side of a request; in the worker they run on the other
 * core and on a small heap, instead of causing full collections of the application's heap that
 * stall every request (see README, "Where the latency goes").
 *
 * If the thread dies (uncaught exception, `exit`), the sends it had not acked are rejected at
 * once (503 at the edge; they may or may not have reached the broker, so clients retry with the
 * same Idempotency-Key and consumers deduplicate by id), new sends are rejected at once while it
 * is down, and a new thread is started after a backoff (`RespawningWorker` of @airis/kafka:
 * 100 ms doubling to 5 s, reset once a thread is ready). A replacement whose producers cannot
 * connect is stopped and retried the same way.
 */
class ProducerThread implements LanesBackend {
  private readonly thread: RespawningWorker<void>;

  constructor(
    private readonly init: WorkerInit,
    logger: Logger,
  ) {
    this.thread = new RespawningWorker<void>({
      dir: __dirname,
      name: 'producer-lanes.worker',
      // Read at each start: a replacement starts with the test hooks' current state.
      workerData: () => this.init,
      what: 'ingest producer thread',
      logger,
      down: (message) => new Error(message),
      settle: (done) => {
        const { error } = done as Extract<FromWorker, { type: 'done' }>;
        return error === undefined ? undefined : new Error(error);
      },
      onMessage: (message) => {
        const m = message as FromWorker;
        if (m.type === 'report') observeSend(m);
        else if (m.type === 'warn') logger.warn(m.message);
      },
    });
  }

  connect(): Promise<void> {
    return this.thread.connect();
  }

  up(): boolean {
    return this.thread.up;
  }

  /** Posts to the current thread; false while there is none. */
  post(message: ToWorker): boolean {
    return this.thread.post(message);
  }

  /** Test hooks keep their state across respawns: a new thread starts with the current one. */
  setConnectable(connectable: boolean): void {
    if (this.init.testNetwork) this.init.testNetwork.connectable = connectable;
    this.post({ type: 'set-connectable', connectable });
  }

  enqueue(items: OutgoingMessage[]): Promise<void> {
    return this.thread.request({ type: 'send', items });
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}

/** The pool in this thread (`INGEST_PRODUCER_THREAD=false`). */
class ProducerInProcess implements LanesBackend {
  constructor(private readonly lanes: ProducerLanes) {}
  connect(): Promise<void> {
    return this.lanes.connect();
  }
  enqueue(items: OutgoingMessage[]): Promise<void> {
    return this.lanes.enqueue(items);
  }
  close(): Promise<void> {
    return this.lanes.close();
  }
  up(): boolean {
    return true;
  }
}

/**
 * The ingest write path: a small pool of idempotent kafkajs producers (acks=all) of its own
 * (`ProducerLanes`, coalescing concurrent requests into one `sendBatch` per free producer), in
 * a worker thread unless `INGEST_PRODUCER_THREAD=false`. `enqueue` resolves once Kafka has
 * acked the caller's records; `withDeadline` turns a send that is not acked within INGEST_ACK_TIMEOUT_MS
 * into `kafka_unavailable` (503 at the edge) — kafkajs itself keeps retrying, so the deadline is
 * raced, and the send may still complete later (which is why retries carry deterministic event
 * ids and Idempotency-Keys).
 */
@Injectable()
export class IngestProducer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(IngestProducer.name);
  private readonly backend: LanesBackend | undefined;
  /** Requests whose records are queued or being sent: enqueue time, record count. */
  private readonly outstanding = new Map<number, { since: number; records: number }>();
  private outstandingRecords = 0;
  private nextId = 0;
  private readonly calls = new Set<Promise<void>>();

  constructor(
    @Inject(GATEWAY_ENV) private readonly config: GatewayEnv,
    @Inject(KAFKA_OPTIONS) options: KafkaModuleOptions,
    env: ServiceEnv,
    private readonly readiness: ReadinessRegistry,
    @Optional() @Inject(INGEST_TEST_NETWORK) testNetwork?: IngestTestNetwork,
  ) {
    if (config.INGEST_SINK === 'noop') return;
    const init: WorkerInit = {
      clientId: `${options.clientId}-ingest`,
      brokers: env.KAFKA_BROKERS.split(','),
      producers: config.INGEST_PRODUCERS,
    };
    if (config.INGEST_PRODUCER_THREAD) {
      if (testNetwork) init.testNetwork = { deadPort: testNetwork.deadPort, connectable: true };
      const thread = new ProducerThread(init, this.logger);
      this.backend = thread;
      testNetwork?.bind({
        setConnectable: (connectable) => thread.setConnectable(connectable),
        crashThread: () => thread.post({ type: 'crash' }),
      });
    } else {
      const sockets = testNetwork ? new CuttableSockets(testNetwork.deadPort) : undefined;
      this.backend = new ProducerInProcess(
        new ProducerLanes({
          ...init,
          ...(sockets ? { socketFactory: sockets.factory } : {}),
          warn: (message) => this.logger.warn(message),
          onSend: observeSend,
        }),
      );
      testNetwork?.bind({
        setConnectable: (connectable) => sockets?.setConnectable(connectable),
        crashThread: () => {
          throw new Error('INGEST_PRODUCER_THREAD=false: there is no producer thread to crash');
        },
      });
    }
  }

  async onModuleInit(): Promise<void> {
    if (!this.backend) {
      this.logger.warn('INGEST_SINK=noop: ingested records are discarded (benchmarks only)');
      return;
    }
    await this.backend.connect();
    this.readiness.register('ingest-producer', () => {
      const backend = this.backend;
      if (backend && !backend.up()) return Promise.resolve({ up: false, detail: 'producer thread restarting' });
      return Promise.resolve({ up: this.healthy(), detail: this.healthy() ? 'acking' : 'a send is overdue' });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.calls]);
    await this.backend?.close();
  }

  /** Requests whose records are queued or being sent (tests wait on it). */
  pendingRequests(): number {
    return this.outstanding.size;
  }

  /**
   * False while a request's records have waited for their ack longer than the deadline, or
   * while the producer thread is down.
   */
  healthy(): boolean {
    if (this.backend && !this.backend.up()) return false;
    // Map order is insertion order: the first entry is the oldest outstanding request.
    for (const { since } of this.outstanding.values()) return Date.now() - since < this.config.INGEST_ACK_TIMEOUT_MS;
    return true;
  }

  /** Resolves once every record is acked by all in-sync replicas; rejects `kafka_unavailable` otherwise. */
  send(items: OutgoingMessage[]): Promise<void> {
    if (!this.backend) return Promise.resolve();
    return this.withDeadline(this.enqueue(items));
  }

  /** The send itself, without the deadline (the caller races it). */
  enqueue(items: OutgoingMessage[]): Promise<void> {
    const backend = this.backend;
    if (!backend) return Promise.resolve();
    if (!this.healthy() || this.outstandingRecords + items.length > this.config.INGEST_MAX_PENDING_RECORDS) {
      unavailable.inc();
      return Promise.reject(AppError.transient('kafka_unavailable', 'Kafka is not acknowledging writes'));
    }
    const id = this.nextId++;
    this.outstanding.set(id, { since: Date.now(), records: items.length });
    this.outstandingRecords += items.length;
    const call = backend.enqueue(items).then(
      () => this.settle(id),
      (error: unknown) => {
        this.settle(id);
        throw AppError.transient('kafka_unavailable', (error as Error).message);
      },
    );
    this.calls.add(call);
    void call.then(
      () => this.calls.delete(call),
      () => this.calls.delete(call),
    );
    return call;
  }

  /** Races an enqueued send against the ack deadline. */
  withDeadline(sending: Promise<void>): Promise<void> {
    return this.backend ? this.raceDeadline(sending) : sending;
  }

  private async raceDeadline(sending: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        unavailable.inc();
        reject(
          AppError.transient('kafka_unavailable', `Kafka did not ack within ${this.config.INGEST_ACK_TIMEOUT_MS} ms`),
        );
      }, this.config.INGEST_ACK_TIMEOUT_MS);
    });
    try {
      await Promise.race([sending, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private settle(id: number): void {
    const entry = this.outstanding.get(id);
    if (!entry) return;
    this.outstanding.delete(id);
    this.outstandingRecords -= entry.records;
  }
}
