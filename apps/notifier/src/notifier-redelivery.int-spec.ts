import type { NotificationRequestDto } from '@airis/contracts';
import { type RunningService, startService } from '@airis/service';
import { type TestContext, createTestContext, pollUntil } from '@airis/testing';
import { notifierService } from './service';
import { FakeProvider } from './testing/fake-provider';

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
        id: `again-${i}`,
        receiver: 'again',
        group_key: `g-${i % 7}`,
        status: 'firing',
        group_labels: { g: String(i % 7) },
        alerts: [
          {
            id: `alert-${i}`,
            fingerprint: `fp-${i}`,
            name: 'Drift detected',
            status: 'firing',
            severity: 'warning',
            description: 'PSI 0.31 > 0.2',
            source: 'evidently',
            alert_type: 'drift',
            labels: {},
            timestamp: Date.now(),
            updated_at: Date.now(),
          },
        ],
        timestamp: Date.now(),
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
});
