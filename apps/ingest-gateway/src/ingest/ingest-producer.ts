import { isIP, connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit, Optional } from '@nestjs/common';
import { ServiceEnv } from '@airis/config';
import { KAFKA_OPTIONS, type KafkaModuleOptions } from '@airis/kafka';
import { ReadinessRegistry, counter, histogram } from '@airis/observability';
import { AppError } from '@airis/resilience';
import { CompressionTypes, type ISocketFactory, Kafka, type Message, type Producer, logLevel } from 'kafkajs';
import { GATEWAY_ENV } from '../gateway.tokens';
import type { GatewayEnv } from '../gateway.config';

/** Optional kafkajs socket factory for the ingest producer (tests cut the network with it). */
export const INGEST_SOCKET_FACTORY = Symbol('INGEST_SOCKET_FACTORY');

export interface OutgoingMessage {
  topic: string;
  message: Message;
}

interface Pending {
  items: OutgoingMessage[];
  /** performance.now() when queued: the wait for a free producer is measured. */
  queuedAt: number;
  resolve: () => void;
  reject: (error: unknown) => void;
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

/**
 * kafkajs's own socket factory without Nagle's algorithm. kafkajs leaves TCP_NODELAY off, so the
 * tail segment of a large produce request (coalesced sends carry many 15 KB records) can wait
 * for the broker's delayed ACK; the broker side already sets TCP_NODELAY.
 */
export const noDelaySocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl
    ? tlsConnect({ host, port, ...ssl, ...(isIP(host) ? {} : { servername: host }) }, onConnect)
    : netConnect({ host, port, noDelay: true }, onConnect);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 60_000);
  return socket;
};

/** One idempotent producer and its (at most one) send in flight. */
interface Lane {
  producer: Producer;
  needsConnect: boolean;
  inFlight: boolean;
  since: number;
}

/**
 * The ingest write path: a small pool of idempotent kafkajs producers (acks=all) of its own.
 * The records of concurrent requests are coalesced into one `sendBatch` per free producer, so a
 * request waits for at most one send ahead of it instead of a queue of them (the idempotent
 * producer allows one in-flight request per broker; more producers mean more sends in flight).
 * A request's records always go out together in one send, so they stay in order; records of
 * different requests have no order to keep. `enqueue` resolves once Kafka has acked the
 * caller's records; `withDeadline` turns a send that is not acked within INGEST_ACK_TIMEOUT_MS
 * into `kafka_unavailable` (503 at the edge) — kafkajs itself keeps retrying, so the deadline is
 * raced, and the send may still complete later (which is why retries carry deterministic event
 * ids and Idempotency-Keys).
 */
@Injectable()
export class IngestProducer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(IngestProducer.name);
  private readonly kafka: Kafka;
  private readonly lanes: Lane[] = [];
  private queue: Pending[] = [];
  private queuedRecords = 0;
  private readonly sending = new Set<Promise<void>>();
  private readonly noop: boolean;

  constructor(
    @Inject(GATEWAY_ENV) private readonly config: GatewayEnv,
    @Inject(KAFKA_OPTIONS) options: KafkaModuleOptions,
    env: ServiceEnv,
    private readonly readiness: ReadinessRegistry,
    @Optional() @Inject(INGEST_SOCKET_FACTORY) socketFactory?: ISocketFactory,
  ) {
    this.noop = config.INGEST_SINK === 'noop';
    this.kafka = new Kafka({
      clientId: `${options.clientId}-ingest`,
      brokers: env.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 },
      connectionTimeout: 3_000,
      requestTimeout: 10_000,
      socketFactory: socketFactory ?? noDelaySocketFactory,
    });
  }

  async onModuleInit(): Promise<void> {
    if (this.noop) {
      this.logger.warn('INGEST_SINK=noop: ingested records are discarded (benchmarks only)');
      return;
    }
    for (let i = 0; i < this.config.INGEST_PRODUCERS; i++) {
      const lane: Lane = { producer: this.createProducer(), needsConnect: false, inFlight: false, since: 0 };
      await lane.producer.connect();
      this.lanes.push(lane);
    }
    this.readiness.register('ingest-producer', () =>
      Promise.resolve({ up: this.healthy(), detail: this.healthy() ? 'acking' : 'a send is overdue' }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.sending]);
    await Promise.allSettled(this.lanes.map((l) => l.producer.disconnect()));
  }

  /** False while a send has been waiting for its ack longer than the deadline. */
  healthy(): boolean {
    const now = Date.now();
    return this.lanes.every((l) => !l.inFlight || now - l.since < this.config.INGEST_ACK_TIMEOUT_MS);
  }

  /** Resolves once every record is acked by all in-sync replicas; rejects `kafka_unavailable` otherwise. */
  send(items: OutgoingMessage[]): Promise<void> {
    if (this.noop) return Promise.resolve();
    return this.withDeadline(this.enqueue(items));
  }

  /** The send itself, without the deadline (the caller races it). */
  enqueue(items: OutgoingMessage[]): Promise<void> {
    if (this.noop) return Promise.resolve();
    if (!this.healthy() || this.queuedRecords + items.length > this.config.INGEST_MAX_PENDING_RECORDS) {
      unavailable.inc();
      return Promise.reject(AppError.transient('kafka_unavailable', 'Kafka is not acknowledging writes'));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ items, resolve, reject, queuedAt: performance.now() });
      this.queuedRecords += items.length;
      this.flush();
    });
  }

  /** Races an enqueued send against the ack deadline. */
  async withDeadline(sending: Promise<void>): Promise<void> {
    if (this.noop) return sending;
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

  private flush(): void {
    if (this.queue.length === 0) return;
    const lane = this.lanes.find((l) => !l.inFlight);
    if (!lane) return; // the next send to finish picks the queue up
    const batch = this.queue;
    this.queue = [];
    this.queuedRecords -= batch.reduce((n, p) => n + p.items.length, 0);
    const byTopic = new Map<string, Message[]>();
    for (const p of batch) {
      for (const { topic, message } of p.items) {
        const list = byTopic.get(topic);
        if (list) list.push(message);
        else byTopic.set(topic, [message]);
      }
    }
    lane.inFlight = true;
    lane.since = Date.now();
    const started = performance.now();
    for (const p of batch) queueWait.observe((started - p.queuedAt) / 1000);
    sendRequests.observe(batch.length);
    const end = sendDuration.startTimer();
    const run = (async () => {
      try {
        if (lane.needsConnect) {
          await lane.producer.connect();
          lane.needsConnect = false;
        }
        await lane.producer.sendBatch({
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          acks: -1,
          compression: CompressionTypes.None,
        });
        for (const p of batch) p.resolve();
      } catch (error) {
        this.logger.warn(`ingest send failed: ${(error as Error).message}`);
        for (const p of batch) p.reject(AppError.transient('kafka_unavailable', (error as Error).message));
        await this.replaceProducer(lane);
      } finally {
        end();
        lane.inFlight = false;
        this.flush();
      }
    })();
    this.sending.add(run);
    void run.finally(() => this.sending.delete(run));
  }

  /**
   * After kafkajs gave up on a send, a fresh producer (new producer id) avoids any doubt about
   * the old one's sequence numbers; the records were never acked, so nothing is lost.
   */
  private async replaceProducer(lane: Lane): Promise<void> {
    const old = lane.producer;
    lane.producer = this.createProducer();
    await old.disconnect().catch(() => undefined);
    try {
      await lane.producer.connect();
    } catch (error) {
      lane.needsConnect = true;
      this.logger.warn(`ingest producer reconnect failed: ${(error as Error).message}`);
    }
  }

  private createProducer(): Producer {
    return this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }
}
