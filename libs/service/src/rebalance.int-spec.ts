import { Injectable, Module } from '@nestjs/common';
import type { EventDto } from '@airis/contracts';
import { type ConsumedRecord, KafkaHandler } from '@airis/kafka';
import { type TestContext, createTestContext, pollUntil } from '@airis/testing';
import type { Collection } from 'mongodb';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { type RunningService, startService } from './bootstrap';

/*
 * Two replicas of one service in one consumer group split the partitions; when one stops
 * mid-stream the other takes its partitions over from the committed offsets: every record ends
 * up handled, each with one effect.
 */
interface Handled {
  _id: string;
  by: number;
}

let replicaCount = 0;

@Injectable()
class SharedConsumer {
  /** Which replica (1 or 2) made an effect. */
  readonly replica = ++replicaCount;

  constructor(@InjectConnection() private readonly connection: Connection) {}

  @KafkaHandler('events')
  async handle(record: ConsumedRecord<EventDto>): Promise<void> {
    await this.connection
      .collection<Handled>('handled')
      .updateOne({ _id: record.envelope.id }, { $setOnInsert: { by: this.replica } }, { upsert: true });
  }
}

@Module({ providers: [SharedConsumer] })
class SharedModule {}

describe('two replicas in one consumer group', () => {
  let ctx: TestContext;
  let handled: Collection<Handled>;
  const replicas: RunningService[] = [];

  const startReplica = async (): Promise<RunningService> => {
    const replica = await startService({
      name: 'replicated',
      defaultPort: 0,
      imports: [SharedModule],
      consumer: { topics: ['events'], sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000 },
      env: ctx.serviceEnv(),
    });
    replicas.push(replica);
    return replica;
  };

  beforeAll(async () => {
    ctx = createTestContext('rebalance');
    await ctx.createTopics();
    handled = (await ctx.mongo()).db(ctx.database).collection<Handled>('handled');
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await ctx.cleanup();
  });

  it('hands a stopped replica’s partitions to the survivor with nothing lost', async () => {
    const first = await startReplica();
    await startReplica();
    const firstId = first.app.get(SharedConsumer).replica;
    const total = 1500;
    const messages = Array.from({ length: total }, (_, i) => ({
      key: `source-${i % 24}`, // spread over all 12 partitions
      value: JSON.stringify({ id: `r-${i}`, event_type: 'tick', source: `source-${i % 24}`, data: { i } }),
    }));
    await ctx.produce('events', messages);

    // Both replicas own partitions and work before one of them stops.
    await pollUntil(
      async () =>
        (await handled.countDocuments({ by: firstId })) >= 50 &&
        (await handled.countDocuments({ by: { $ne: firstId } })) >= 50,
      { description: 'both replicas handling records' },
    );
    await first.close(); // leaves the group; its partitions move to the survivor
    replicas.splice(replicas.indexOf(first), 1);
    const byFirstAtStop = await handled.countDocuments({ by: firstId });

    await pollUntil(async () => (await handled.countDocuments()) === total, {
      timeoutMs: 90_000,
      description: `all ${total} records handled`,
    });
    const ids = new Set((await handled.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    const missing = Array.from({ length: total }, (_, i) => `r-${i}`).filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    // The first replica did no more work after it stopped; the survivor did the rest.
    expect(await handled.countDocuments({ by: firstId })).toBe(byFirstAtStop);
    expect(await handled.countDocuments({ by: { $ne: firstId } })).toBe(total - byFirstAtStop);
  });
});
