import type { TopicId } from '@airis/contracts';
import type { TopicNames } from '@airis/kafka';
import type { Kafka } from 'kafkajs';

/**
 * Fresh topics can lack a partition leader for a moment after creation; specs start services
 * once `config` and `commands` have leaders everywhere (their start-up reads offsets).
 */
export async function waitForTopicLeaders(
  kafka: Kafka,
  topics: TopicNames,
  ids: readonly TopicId[] = ['config', 'commands'],
  timeoutMs = 30_000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    for (const id of ids) {
      for (;;) {
        try {
          await admin.fetchTopicOffsets(topics.of(id));
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Retries a set-up step that the shared broker can refuse for a moment (e.g. topic creation
 * answering "does not host this topic-partition" while other suites create and delete topics).
 */
export async function retrySetup<T>(step: () => Promise<T>, attempts = 4, delayMs = 2000): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await step();
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((r) => setTimeout(r, delayMs * i));
    }
  }
}
