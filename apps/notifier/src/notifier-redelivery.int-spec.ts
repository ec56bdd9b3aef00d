import type { NotificationRequestDto } from '@airis/contracts';
import { type RunningService, startService } from '@airis/service';
import { type TestContext, createTestContext, pollUntil } from '@airis/testing';
import { type DeliveryDoc, DeliveryStore } from './delivery/delivery.store';
import { notifierService } from './service';
import { FakeProvider } from './testing/fake-provider';
import { testAlert, testNotification } from './testing/harness';

/*
 * Stored but not committed: the notifier stores a batch's deliveries (and the partition's stored
 * mark) before the consumer commits its offsets, and a crash or rebalance in between
 * redelivers the records. Here the group's offsets are rewound to the start after a clean run —
 * every record is redelivered to a fresh process that has never seen them — and nothing may be
 * sent again: the marks say they are stored.
 */
const TOTAL = 30;

describe('notifier: records redelivered after their deliveries were stored', () => {
  let ctx: TestContext;
  let fake: FakeProvider;
  let service: RunningService | undefined;

  const start = async (): Promise<void> => {
    service = await startService(
      notifierService(ctx.serviceEnv({ LOG_LEVEL: 'error', NOTIFIER_SSRF_ALLOW: '127.0.0.1/32' })),
    );
  };

  /** Committed offsets of the notifier's group on the notifications topic, summed over partitions. */
  const committed = async (): Promise<number> => {
    const admin = ctx.kafka.admin();
    await admin.connect();
    try {
      const [topic] = await admin.fetchOffsets({
        groupId: `${ctx.namespace}airis.notifier`,
        topics: [ctx.topics.of('notifications')],
      });
      return (topic?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    } finally {
      await admin.disconnect();
    }
  };

  beforeAll(async () => {
    ctx = createTestContext('notifier-redelivery');
    await ctx.createTopics();
    fake = await new FakeProvider().start();
    fake.route('/hook/', () => ({ status: 200 }));
    await ctx.produce('config', [
      {
        key: 'receiver/again',
        value: JSON.stringify({
          kind: 'receiver',
          id: 'again',
          revision: 1,
          spec: { name: 'again', webhook: { url: `${fake.url}/hook/x` } },
          updated_at: Date.now(),
        }),
      },
    ]);
  });

  afterAll(async () => {
    await service?.close();
    await fake?.stop();
    await ctx.cleanup();
  });

  it('does not send a stored delivery again when its record comes back uncommitted', async () => {
    await start();
    const messages = Array.from({ length: TOTAL }, (_, i) => {
      const n: NotificationRequestDto = {
        ...testNotification('again', [testAlert({ id: `alert-${i}`, fingerprint: `fp-${i}` })]),
        id: `again-${i}`,
        group_key: `g-${i % 7}`,
        group_labels: { g: String(i % 7) },
      };
      return { key: n.group_key, value: JSON.stringify(n), headers: { ce_id: n.id } };
    });
    await ctx.produce('notifications', messages);
    await pollUntil(() => fake.on('/hook/').length >= TOTAL, { description: `${TOTAL} deliveries` });
    await pollUntil(async () => (await committed()) >= TOTAL, { description: 'offsets committed' });
    await service?.close();
    service = undefined;

    // As if the process had died between storing and committing: rewind the group.
    const admin = ctx.kafka.admin();
    await admin.connect();
    await admin.resetOffsets({
      groupId: `${ctx.namespace}airis.notifier`,
      topic: ctx.topics.of('notifications'),
      earliest: true,
    });
    expect(await committed()).toBe(0);
    await admin.disconnect();

    await start();
    // Consumed again to the end: every record was seen by the new process.
    await pollUntil(async () => (await committed()) >= TOTAL, { description: 'redelivered records committed' });
    const ids = fake.on('/hook/').map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(TOTAL);
    expect(new Set(ids).size).toBe(TOTAL);
  });

  it('stores the held deliveries of a mark whose batch crashed before storing them', async () => {
    await service?.close();
    service = undefined;
    // As if the process had died between a batch's mark and the insert of the delivery it held
    // (pending after a failed first try): the highest mark of a partition says it holds one.
    const db = (await ctx.mongo()).db(ctx.database);
    const marks = await db.collection<{ _id: string; tp: string; offset: number }>('notifier_marks').find({}).toArray();
    const top = marks.reduce((a, b) => (b.offset > a.offset ? b : a));
    const now = new Date();
    const n: NotificationRequestDto = { ...testNotification('again', []), id: 'held-1' };
    const held: DeliveryDoc = {
      _id: 'held-1/again/webhook',
      notification_id: 'held-1',
      receiver: 'again',
      channel: 'webhook',
      alert_ids: [],
      payload: JSON.stringify(n),
      status: 'pending',
      attempts: 1,
      next_attempt_at: now,
      created_at: now,
      updated_at: now,
      enqueued_at: now,
    };
    await db
      .collection<{ _id: string }>('notifier_marks')
      .updateOne({ _id: top._id }, { $set: { held: JSON.stringify([held]) } });
    const before = fake.on('/hook/').length;

    // A short lease: the claim loop's routine pass comes every quarter lease.
    service = await startService(
      notifierService(
        ctx.serviceEnv({ LOG_LEVEL: 'error', NOTIFIER_SSRF_ALLOW: '127.0.0.1/32', NOTIFIER_LEASE_MS: '4000' }),
      ),
    );
    const store = service.app.get(DeliveryStore);
    const doc = await pollUntil(
      async () => {
        const d = await db.collection<DeliveryDoc>('notifier_deliveries').findOne({ _id: held._id });
        return d?.status === 'delivered' && d;
      },
      { timeoutMs: 30_000, description: 'the held delivery stored from its mark and delivered' },
    );
    expect(doc).toMatchObject({ attempts: 2, notification_id: 'held-1' });
    expect(doc.created_at).toBeInstanceOf(Date);
    const posts = fake.on('/hook/').slice(before);
    expect(posts.map((r) => r.headers['webhook-id'])).toEqual([held._id]);
    // Stored once: the mark holds it no more.
    expect(await db.collection<{ _id: string }>('notifier_marks').findOne({ _id: top._id })).not.toHaveProperty('held');
    // Its attempt is in the delivery log (one log document per write; read back by delivery id).
    const log = await pollUntil(async () => {
      const entries = await store.logOf(held._id);
      return entries.length > 0 && entries;
    });
    expect(log).toEqual([
      expect.objectContaining({ delivery_id: held._id, attempt: 2, outcome: 'delivered', http_status: 200 }),
    ]);
    // A first try is in the log too, although it has no document of its own.
    expect(
      await db.collection<{ _id: string }>('notifier_deliveries').findOne({ _id: 'again-0/again/webhook' }),
    ).toBeNull();
    expect(await store.logOf('again-0/again/webhook')).toEqual([
      expect.objectContaining({ notification_id: 'again-0', attempt: 1, outcome: 'delivered' }),
    ]);
  });
});
