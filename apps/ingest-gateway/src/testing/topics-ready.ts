import { sleep } from '@airis/resilience';
import type { Kafka } from 'kafkajs';

/** What this helper needs of the test harness' TestContext (apps may not import @airis/testing). */
interface TopicsContext {
  kafka: Kafka;
  topics: { of(id: 'config' | 'metrics' | 'events' | 'audit'): string };
  createTopics(): Promise<void>;
}

async function retry(what: string, attempt: () => Promise<unknown>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
      await sleep(500);
    }
  }
}

/**
 * Creates the test's topics and waits until the broker serves their offsets. Creating many
 * topics while other suites do the same can fail transiently on the shared broker ("does not
 * host this topic-partition"); creation is idempotent, so it is retried.
 */
export async function topicsReady(ctx: TopicsContext): Promise<void> {
  await retry('topics created', () => ctx.createTopics());
  const admin = ctx.kafka.admin();
  await admin.connect();
  try {
    for (const id of ['config', 'metrics', 'events', 'audit'] as const) {
      await retry(`offsets of ${ctx.topics.of(id)}`, () => admin.fetchTopicOffsets(ctx.topics.of(id)));
    }
  } finally {
    await admin.disconnect();
  }
}
