import { DLQ_RETENTION_MS } from '@airis/contracts';
import type { Admin, ITopicConfig } from 'kafkajs';
import { backoffDelay, sleep } from '@airis/resilience';
import type { TopicNames } from './topic-names';

/**
 * Creates the registry's topics (and DLQs) that do not exist yet; leaves existing ones alone.
 * Returns the names it created.
 */
export async function ensureTopics(admin: Admin, names: TopicNames, replicationFactor = -1): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const wanted: ITopicConfig[] = names
    .all()
    .filter((t) => !existing.has(t.name))
    .map(({ name, spec, dlq }) => ({
      topic: name,
      numPartitions: spec.partitions,
      replicationFactor,
      configEntries: dlq
        ? [
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'retention.ms', value: String(DLQ_RETENTION_MS) },
          ]
        : [
            { name: 'cleanup.policy', value: spec.cleanupPolicy },
            { name: 'retention.ms', value: String(spec.retentionMs) },
          ],
    }));
  if (wanted.length === 0) return [];
  // Two replicas starting together may race; createTopics is a no-op for topics that now exist.
  // Waiting for leaders can see metadata that is not there yet on a busy broker
  // (UNKNOWN_TOPIC_OR_PARTITION): the topics exist then, so a short retry settles it.
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.createTopics({ topics: wanted, waitForLeaders: true });
      return wanted.map((t) => t.topic);
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || attempt >= 5) throw error;
      await sleep(backoffDelay(attempt, { initialMs: 100, multiplier: 2, maxMs: 2000 }));
    }
  }
}
