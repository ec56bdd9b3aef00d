import { isIP, connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  CompressionTypes,
  type ISocketFactory,
  Kafka,
  type Message,
  Partitioners,
  type Producer,
  logLevel,
} from 'kafkajs';

// No Nest and no @airis imports here: this module also runs in the producer worker thread.

export interface OutgoingMessage {
  topic: string;
  message: Message;
}

/** What one coalesced send reports (turned into the gateway's histograms by the caller). */
export interface SendReport {
  seconds: number;
  /** Each coalesced request's wait for a free producer, seconds. */
  waits: number[];
}

export interface LanesOptions {
  clientId: string;
  brokers: string[];
  producers: number;
  socketFactory?: ISocketFactory;
  warn: (message: string) => void;
  onSend: (report: SendReport) => void;
}

interface Pending {
  items: OutgoingMessage[];
  /** performance.now() when queued: the wait for a free producer is measured. */
  queuedAt: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

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
 * A small pool of idempotent kafkajs producers (acks=all). The records of concurrent requests
 * are coalesced into one `sendBatch` per free producer, so a request waits for at most one send
 * ahead of it instead of a queue of them (the idempotent producer allows one in-flight request
 * per broker; more producers mean more sends in flight). A request's records always go out
 * together in one send, so they stay in order; records of different requests have no order to
 * keep. `enqueue` resolves once Kafka has acked the caller's records and rejects with the
 * kafkajs error when a send fails (after kafkajs's own retries); the producer is then replaced.
 */
export class ProducerLanes {
  private readonly kafka: Kafka;
  private readonly lanes: Lane[] = [];
  private queue: Pending[] = [];
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly options: LanesOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 },
      connectionTimeout: 3_000,
      requestTimeout: 10_000,
      socketFactory: options.socketFactory ?? noDelaySocketFactory,
    });
  }

  async connect(): Promise<void> {
    for (let i = 0; i < this.options.producers; i++) {
      const lane: Lane = { producer: this.createProducer(), needsConnect: false, inFlight: false, since: 0 };
      await lane.producer.connect();
      this.lanes.push(lane);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.sending]);
    await Promise.allSettled(this.lanes.map((l) => l.producer.disconnect()));
  }

  /** Date.now() when the oldest send in flight started, or undefined when none is. */
  oldestSendSince(): number | undefined {
    let oldest: number | undefined;
    for (const l of this.lanes) if (l.inFlight && (oldest === undefined || l.since < oldest)) oldest = l.since;
    return oldest;
  }

  enqueue(items: OutgoingMessage[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ items, resolve, reject, queuedAt: performance.now() });
      this.flush();
    });
  }

  private flush(): void {
    if (this.queue.length === 0) return;
    const lane = this.lanes.find((l) => !l.inFlight);
    if (!lane) return; // the next send to finish picks the queue up
    const batch = this.queue;
    this.queue = [];
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
    const waits = batch.map((p) => (started - p.queuedAt) / 1000);
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
        this.options.warn(`ingest send failed: ${(error as Error).message}`);
        for (const p of batch) p.reject(error as Error);
        await this.replaceProducer(lane);
      } finally {
        this.options.onSend({ seconds: (performance.now() - started) / 1000, waits });
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
      this.options.warn(`ingest producer reconnect failed: ${(error as Error).message}`);
    }
  }

  private createProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }
}
