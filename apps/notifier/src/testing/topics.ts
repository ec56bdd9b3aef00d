import { type TestContext, pollUntil } from '@airis/testing';

/** The config store reads the topic's end offset at start: wait until its partition has a leader. */
export async function configTopicReady(ctx: TestContext): Promise<void> {
  const admin = ctx.kafka.admin();
  await admin.connect();
  try {
    await pollUntil(
      async () => {
        await admin.fetchTopicOffsets(ctx.topics.of('config'));
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'config topic leader' },
    );
  } finally {
    await admin.disconnect();
  }
}

