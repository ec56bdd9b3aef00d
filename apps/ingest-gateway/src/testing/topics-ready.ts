import type { TestContext } from '@airis/testing';
import { pollUntil } from '@airis/testing';

/**
 * Waits until the broker serves offsets of the freshly created topics the gateway reads at start
 * (ConfigStore fetches airis.config.v1's offsets once and does not retry "not the leader" yet).
 */
export async function topicsReady(ctx: TestContext): Promise<void> {
  // Creating many topics while other suites do the same can fail transiently on the shared broker
  // (metadata of a topic not yet hosted): creation is idempotent, so try again.
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
    for (const id of ['config', 'metrics', 'events', 'audit'] as const) {
      await pollUntil(
        async () => {
          const offsets = await admin.fetchTopicOffsets(ctx.topics.of(id));
          return offsets.length > 0;
        },
        { timeoutMs: 30_000, description: `offsets of ${ctx.topics.of(id)}` },
      );
    }
  } finally {
    await admin.disconnect();
  }
}
