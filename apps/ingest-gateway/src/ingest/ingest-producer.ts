import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit, Optional } from '@nestjs/common';
import { ServiceEnv } from '@airis/config';
import { KAFKA_OPTIONS, type KafkaModuleOptions } from '@airis/kafka';
import { ReadinessRegistry, counter, histogram } from '@airis/observability';
import { AppError } from '@airis/resilience';
import type { ISocketFactory } from 'kafkajs';
import { GATEWAY_ENV } from '../gateway.tokens';
import type { GatewayEnv } from '../gateway.config';
import { type OutgoingMessage, ProducerLanes, type SendReport } from './producer-lanes';
import type { FromWorker, ToWorker, WorkerInit } from './producer-lanes.worker';

export { noDelaySocketFactory, type OutgoingMessage } from './producer-lanes';

/** Optional kafkajs socket factory for the ingest producer (tests cut the network with it). */
export const INGEST_SOCKET_FACTORY = Symbol('INGEST_SOCKET_FACTORY');

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
}

/**
 * The pool in a worker thread: records are posted to it (structured clone) and each request
 * waits for its ack message. kafkajs's encoding, its CRC and its many short-lived buffers cost
 * about four times the CPU of the HTTP side of a request; in the worker they run on the other
 * core and on a small heap, instead of causing full collections of the application's heap that
 * stall every request (see README, "Where the latency goes").
 */
class ProducerThread implements LanesBackend {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private ready: Promise<void>;
  private closed: (() => void) | undefined;

  constructor(init: WorkerInit, logger: Logger) {
    const file = join(
      __dirname,
      `producer-lanes.worker${existsSync(join(__dirname, 'producer-lanes.worker.js')) ? '.js' : '.ts'}`,
    );
    // From TypeScript sources (tests, benches) the worker registers the same compiler first.
    const source = `${file.endsWith('.ts') ? "require('@swc-node/register');" : ''}require(${JSON.stringify(file)});`;
    this.worker = new Worker(source, { eval: true, workerData: init });
    this.worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            resolve();
            break;
          case 'failed':
            reject(new Error(m.message));
            break;
          case 'done': {
            const p = this.pending.get(m.id);
            this.pending.delete(m.id);
            if (m.error === undefined) p?.resolve();
            else p?.reject(new Error(m.error));
            break;
          }
          case 'report':
            observeSend(m);
            break;
          case 'warn':
            logger.warn(m.message);
            break;
          case 'closed':
            this.closed?.();
            break;
        }
      });
      this.worker.once('error', (thrown: unknown) => {
        const error = thrown instanceof Error ? thrown : new Error(String(thrown));
        logger.error(`ingest producer thread failed: ${error.message}`);
        reject(error);
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
      });
    });
  }

  connect(): Promise<void> {
    return this.ready;
  }

  enqueue(items: OutgoingMessage[]): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'send', id, items } satisfies ToWorker);
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      this.closed = resolve;
    });
    this.worker.postMessage({ type: 'close' } satisfies ToWorker);
    await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000).unref())]);
    await this.worker.terminate();
  }
}

/** The pool in this thread (used when tests inject a socket factory, which cannot cross threads). */
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
}

/**
 * The ingest write path: a small pool of idempotent kafkajs producers (acks=all) of its own
 * (`ProducerLanes`, coalescing concurrent requests into one `sendBatch` per free producer), in
 * a worker thread unless a test injects a socket factory. `enqueue` resolves once Kafka has
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
    @Optional() @Inject(INGEST_SOCKET_FACTORY) socketFactory?: ISocketFactory,
  ) {
    if (config.INGEST_SINK === 'noop') return;
    const init: WorkerInit = {
      clientId: `${options.clientId}-ingest`,
      brokers: env.KAFKA_BROKERS.split(','),
      producers: config.INGEST_PRODUCERS,
    };
    this.backend =
      socketFactory || !config.INGEST_PRODUCER_THREAD
        ? new ProducerInProcess(
            new ProducerLanes({
              ...init,
              ...(socketFactory ? { socketFactory } : {}),
              warn: (message) => this.logger.warn(message),
              onSend: observeSend,
            }),
          )
        : new ProducerThread(init, this.logger);
  }

  async onModuleInit(): Promise<void> {
    if (!this.backend) {
      this.logger.warn('INGEST_SINK=noop: ingested records are discarded (benchmarks only)');
      return;
    }
    await this.backend.connect();
    this.readiness.register('ingest-producer', () =>
      Promise.resolve({ up: this.healthy(), detail: this.healthy() ? 'acking' : 'a send is overdue' }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.calls]);
    await this.backend?.close();
  }

  /** False while a request's records have waited for their ack longer than the deadline. */
  healthy(): boolean {
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
