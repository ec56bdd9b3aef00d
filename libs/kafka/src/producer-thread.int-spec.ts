import type { EventDto } from '@airis/contracts';
import { classifyError } from '@airis/resilience';
import { createTestContext, pollUntil } from '@airis/testing';
import { createKafkaClient } from './kafka-client';
import { KafkaProducer } from './kafka-producer';
import { ProducerThreadDown } from './producer-thread';

/*
 * KafkaProducer with `producerThread: true`, on the real broker: the records a thread sends are
 * the records the in-thread producer would send, and a crashed thread fails its sends as a
 * transient error and comes back.
 */
const ctx = createTestContext('producer-thread');
let producer: KafkaProducer;

const event = (n: number): EventDto => ({
  timestamp: Date.now(),
  event_type: 'model_deployed',
  source: 'producer-thread-spec',
  severity: 'info',
  data: { n },
});

beforeAll(async () => {
  await ctx.createTopics();
  const options = { clientId: 'producer-thread-spec', brokers: ctx.kafkaBrokers.split(','), producerThread: true };
  producer = new KafkaProducer(createKafkaClient(options), options, ctx.topics);
  await producer.onModuleInit();
});

afterAll(async () => {
  await producer.onApplicationShutdown();
  await ctx.cleanup();
});

describe('KafkaProducer in a producer thread (real broker)', () => {
  it('publishes CloudEvents records and resolves with their offsets', async () => {
    const events = await ctx.collect(ctx.topics.of('events'));
    const metadata = await producer.publishMany('events', [
      { key: 'k1', value: event(1), id: 'pt-1', subject: 's1' },
      { key: 'k1', value: event(2), id: 'pt-2' },
    ]);
    expect(metadata).toHaveLength(1);
    expect(metadata[0]).toMatchObject({ topicName: ctx.topics.of('events'), errorCode: 0 });
    expect(Number(metadata[0]!.baseOffset)).toBeGreaterThanOrEqual(0);
    const got = await events.waitFor(2);
    expect(got.map((r) => r.headers['ce_id'])).toEqual(['pt-1', 'pt-2']);
    expect(got[0]!.headers).toMatchObject({ ce_type: 'io.airis.event.v1', ce_subject: 's1', ce_specversion: '1.0' });
    expect((JSON.parse(got[1]!.value ?? '{}') as EventDto).data).toEqual({ n: 2 });
  });

  it('sends Buffer keys, values and headers as the bytes they hold', async () => {
    const topic = ctx.topics.dlqOf('events');
    const dlq = await ctx.collect(topic);
    const text = 'déjà vu ✓ — ünïcode';
    await producer.sendRaw(topic, [
      { key: Buffer.from('key-ß'), value: Buffer.from(text), headers: { reason: Buffer.from('bad ✗'), plain: 'p' } },
    ]);
    const [record] = await dlq.waitFor(1);
    expect(record).toMatchObject({ key: 'key-ß', value: text, headers: { reason: 'bad ✗', plain: 'p' } });
  });

  it('fails sends as transient while the thread is down, then restarts it', async () => {
    const thread = producer.producerThread!;
    thread.crash();
    await pollUntil(() => !thread.up, { description: 'the thread down' });
    const failure = await producer.publish('events', 'k2', event(3), { id: 'pt-down' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ProducerThreadDown);
    expect(classifyError(failure).errorClass).toBe('TRANSIENT');

    await pollUntil(() => thread.up, { timeoutMs: 30_000, description: 'the thread back' });
    const events = await ctx.collect(ctx.topics.of('events'));
    await producer.publish('events', 'k2', event(4), { id: 'pt-after' });
    const got = await pollUntil(() => events.records.some((r) => r.headers['ce_id'] === 'pt-after') && events.records, {
      description: 'the record sent after the restart',
    });
    expect(got.some((r) => r.headers['ce_id'] === 'pt-down')).toBe(false);
  });
});
