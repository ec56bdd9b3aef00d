import { Injectable, Module } from '@nestjs/common';
import { InjectModel, MongooseModule } from '@nestjs/mongoose';
import { trace } from '@opentelemetry/api';
import type { EventDto } from '@airis/contracts';
import { AppError } from '@airis/resilience';
import { type ConsumedRecord, DLQ_HEADER, KafkaHandler, KafkaProducer } from '@airis/kafka';
import { type TestContext, createTestContext, pollUntil } from '@airis/testing';
import type { Collection } from 'mongodb';
import { type Model, Schema } from 'mongoose';
import { type RunningService, startService } from './bootstrap';

/*
 * A service built on the shared libs, end to end on the real broker and FerretDB: records
 * produced with libs/kafka's KafkaProducer (and by a plain producer) go through the consumer
 * runner into MongoDB via mongoose (libs/persistence).
 */

interface StoredEvent {
  _id: string;
  event_type: string;
  source: string;
  trace_id?: string;
}

const StoredEventSchema = new Schema<StoredEvent>(
  { _id: String, event_type: String, source: String, trace_id: String },
  { versionKey: false, collection: 'stored_events' },
);

/** What the handler saw, and failures to inject by event id. */
class Probe {
  handled: string[] = [];
  transientFailures = new Map<string, number>();
  permanentFailures = new Set<string>();
}
const probe = new Probe();

@Injectable()
class EventsConsumer {
  constructor(@InjectModel('StoredEvent') private readonly events: Model<StoredEvent>) {}

  @KafkaHandler('events')
  async handle(record: ConsumedRecord<EventDto>): Promise<void> {
    const id = record.envelope.id;
    probe.handled.push(id);
    const left = probe.transientFailures.get(id) ?? 0;
    if (left > 0) {
      probe.transientFailures.set(id, left - 1);
      throw AppError.transient('STORE_BUSY', `injected transient failure for ${id}`);
    }
    if (probe.permanentFailures.has(id))
      throw AppError.permanent('UNPROCESSABLE', `injected permanent failure for ${id}`);
    // Idempotent effect: a redelivered record finds its document already there.
    await this.events.updateOne(
      { _id: id },
      {
        $setOnInsert: {
          event_type: record.value.event_type,
          source: record.value.source,
          trace_id: trace.getActiveSpan()?.spanContext().traceId,
        },
      },
      { upsert: true },
    );
  }
}

@Module({
  imports: [MongooseModule.forFeature([{ name: 'StoredEvent', schema: StoredEventSchema }])],
  providers: [EventsConsumer],
})
class EventsTestModule {}

const event = (i: number | string): EventDto => ({
  timestamp: Date.now(),
  event_type: 'model_deployed',
  source: `src-${typeof i === 'number' ? i % 7 : i}`,
  severity: 'info',
  data: { n: i },
});

describe('a service on the shared libs, on the real broker and FerretDB', () => {
  let ctx: TestContext;
  let service: RunningService | undefined;
  // Read through the harness's own client: the service's connection closes with the service.
  let stored: Collection<StoredEvent>;

  const start = async (): Promise<RunningService> => {
    service = await startService({
      name: 'kafka-int',
      defaultPort: 0,
      imports: [EventsTestModule],
      consumer: { topics: ['events'] },
      env: ctx.serviceEnv(),
    });
    return service;
  };
  const stop = async (): Promise<void> => {
    await service?.close();
    service = undefined;
  };
  const count = (filter: object = {}): Promise<number> => stored.countDocuments(filter);
  const exists = async (id: string): Promise<boolean> => (await stored.countDocuments({ _id: id })) === 1;

  beforeAll(async () => {
    ctx = createTestContext('kafka-runner');
    stored = (await ctx.mongo()).db(ctx.database).collection<StoredEvent>('stored_events');
    await start();
  });

  afterAll(async () => {
    await stop();
    await ctx.cleanup();
  });

  it('creates every registry topic and its DLQ at start', async () => {
    const admin = ctx.kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(ctx.namespace));
    await admin.disconnect();
    expect(topics.sort()).toEqual(
      ctx.topics
        .all()
        .map((t) => t.name)
        .sort(),
    );
  });

  it('reports ready with Kafka and MongoDB up, and exposes consumer metrics', async () => {
    const ready = await fetch(`${service!.url}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { info: Record<string, { status: string }> };
    expect(body.info['kafka']?.status).toBe('up');
    expect(body.info['mongodb']?.status).toBe('up');
  });

  it('consumes records produced with libs/kafka and stores them with mongoose', async () => {
    const producer = service!.app.get(KafkaProducer);
    await producer.publishMany(
      'events',
      Array.from({ length: 20 }, (_, i) => ({ key: `src-${i % 7}`, value: event(i), id: `basic-${i}` })),
    );
    await pollUntil(async () => (await count({ _id: /^basic-/ })) === 20, {
      description: '20 stored events',
    });
    const one = await stored.findOne({ _id: 'basic-3' });
    expect(one).toMatchObject({ event_type: 'model_deployed', source: 'src-3' });

    const metrics = await (await fetch(`${service!.url}/metrics`)).text();
    expect(metrics).toMatch(/airis_kafka_consumed_records_total\{topic="[^"]+events[^"]*",outcome="handled"\} \d+/);
  });

  it('sends invalid records to the DLQ with the reason in headers and keeps consuming', async () => {
    const dlq = await ctx.collect(ctx.topics.dlqOf('events'));
    await ctx.produce('events', [
      { key: 'bad', value: Buffer.from([0xde, 0xad, 0xbe, 0xef]) },
      { key: 'bad', value: JSON.stringify({ event_type: 'x', source: 'bad', severity: 'loud' }) },
      // A plain external producer: no CloudEvents headers at all, still valid.
      { key: 'plain', value: JSON.stringify({ id: 'plain-1', event_type: 'x', source: 'plain' }) },
    ]);

    const dead = await dlq.waitFor(2);
    const byCode = Object.fromEntries(dead.map((r) => [r.headers[DLQ_HEADER.code], r]));
    expect(byCode['INVALID_JSON']?.headers[DLQ_HEADER.reason]).toMatch(/not JSON/);
    expect(byCode['INVALID_JSON']?.value).toBe(Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString());
    expect(byCode['SCHEMA_VIOLATION']?.headers[DLQ_HEADER.reason]).toMatch(/severity/);
    expect(byCode['SCHEMA_VIOLATION']?.headers[DLQ_HEADER.errorClass]).toBe('VALIDATION');
    expect(byCode['SCHEMA_VIOLATION']?.headers[DLQ_HEADER.topic]).toBe(ctx.topics.of('events'));
    // The partition moved past them: the valid record behind them was stored.
    await pollUntil(() => exists('plain-1'), { description: 'plain-1 stored' });
    expect(dead).toHaveLength(2);
  });

  it('has one effect when the same record is delivered twice', async () => {
    const producer = service!.app.get(KafkaProducer);
    await producer.publish('events', 'src-dup', event('dup'), { id: 'dup-1' });
    await producer.publish('events', 'src-dup', event('dup'), { id: 'dup-1' });
    await pollUntil(() => probe.handled.filter((id) => id === 'dup-1').length === 2, {
      description: 'dup-1 handled twice',
    });
    expect(await count({ _id: 'dup-1' })).toBe(1);
  });

  it('retries a transient failure in place and dead-letters a permanent one', async () => {
    const dlq = await ctx.collect(ctx.topics.dlqOf('events'));
    const before = (await dlq.waitFor(2)).length;
    probe.transientFailures.set('flaky-1', 2);
    probe.permanentFailures.add('doomed-1');
    const producer = service!.app.get(KafkaProducer);
    // Same key, so one partition: the record behind them proves the partition kept moving.
    await producer.publish('events', 'src-retry', event('retry'), { id: 'flaky-1' });
    await producer.publish('events', 'src-retry', event('retry'), { id: 'doomed-1' });
    await producer.publish('events', 'src-retry', event('retry'), { id: 'after-1' });

    await pollUntil(() => exists('after-1'), { description: 'after-1 stored' });
    expect(probe.handled.filter((id) => id === 'flaky-1')).toHaveLength(3);
    expect(await exists('flaky-1')).toBe(true);
    expect(await exists('doomed-1')).toBe(false);
    const dead = await dlq.waitFor(before + 1);
    const doomed = dead.find((r) => r.headers['ce_id'] === 'doomed-1');
    expect(doomed?.headers[DLQ_HEADER.errorClass]).toBe('PERMANENT');
    expect(doomed?.headers[DLQ_HEADER.code]).toBe('UNPROCESSABLE');
  });

  it('continues the producer trace (W3C traceparent) in the handler', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await ctx.produce('events', [
      {
        key: 'traced',
        value: JSON.stringify({ event_type: 'x', source: 'traced' }),
        headers: { ce_id: 'traced-1', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      },
    ]);
    const doc = await pollUntil(() => stored.findOne({ _id: 'traced-1' }), { description: 'traced-1 stored' });
    expect(doc.trace_id).toBe(traceId);
  });

  it('loses nothing when stopped mid-stream and restarted', async () => {
    const total = 1200;
    const send = async (from: number, to: number): Promise<void> => {
      const messages = [];
      for (let i = from; i < to; i++) {
        messages.push({
          key: `src-${i % 7}`,
          value: JSON.stringify({ ...event(i), id: `stream-${i}` }),
        });
      }
      await ctx.produce('events', messages);
    };
    await send(0, 900);
    const streamed = (): Promise<number> => count({ _id: /^stream-/ });
    await pollUntil(async () => (await streamed()) >= 100, { description: '100 streamed events stored' });
    await stop(); // graceful: in-flight records finish, resolved offsets are committed
    const atStop = await streamed();
    expect(atStop).toBeLessThan(900); // really stopped mid-stream
    await send(900, total);

    await start();
    await pollUntil(async () => (await streamed()) === total, {
      timeoutMs: 90_000,
      description: `${total} streamed events stored`,
    });
    const ids = new Set(
      (await stored.find({ _id: /^stream-/ }, { projection: { _id: 1 } }).toArray()).map((d) => d._id),
    );
    for (let i = 0; i < total; i++) expect(ids.has(`stream-${i}`)).toBe(true);
    expect(await count()).toBeGreaterThanOrEqual(total);
  });
});
