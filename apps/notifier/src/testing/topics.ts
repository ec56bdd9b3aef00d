import type { TopicNames } from '@airis/kafka';
import type { Kafka } from 'kafkajs';

/**
 * Test/bench helper. The config store reads `airis.config.v1`'s end offset at start: wait until
 * its partition has a leader after the topics were just created.
 */
export async function configTopicReady(ctx: { kafka: Kafka; topics: TopicNames }, timeoutMs = 30_000): Promise<void> {
  const admin = ctx.kafka.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await admin.fetchTopicOffsets(ctx.topics.of('config'));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** Creates the namespace's topics, retrying the shared broker's transient metadata errors. */
export async function createTopicsRetrying(ctx: { createTopics(): Promise<void> }, attempts = 5): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await ctx.createTopics();
      return;
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * i));
    }
  }
}
