import type { Kafka } from 'kafkajs';

/**
 * Waits until every partition of `topics` has a leader that answers offset requests. A topic
 * just created on a busy shared broker can answer NOT_LEADER_FOR_PARTITION for a while, and the
 * config store's start-up (which reads the end offsets) does not retry that yet.
 */
export async function waitForTopicLeaders(kafka: Kafka, topics: string[], timeoutMs = 60_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    for (const topic of topics) {
      for (;;) {
        try {
          await admin.fetchTopicOffsets(topic);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    }
  } finally {
    await admin.disconnect();
  }
}
