import { type TestContext, pollUntil } from '@airis/testing';

/**
 * Creates the namespace's topics and waits until the broker serves all of them. The shared
 * broker sometimes answers for a fresh topic before it hosts it ("does not host this
 * topic-partition"); creating is idempotent, and metadata is polled until every partition has
 * a leader. For int-specs only.
 */
export async function createTopicsAndWait(ctx: TestContext): Promise<void> {
  await pollUntil(
    async () => {
      await ctx.createTopics();
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 500, description: 'topics created' },
  );
  const admin = ctx.kafka.admin();
  await admin.connect();
  try {
    const names = ctx.topics.all().map((t) => t.name);
    await pollUntil(
      async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: names });
        return (
          topics.length === names.length &&
          topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
        );
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'every topic served by the broker' },
    );
  } finally {
    await admin.disconnect();
  }
}
