import { DLQ_RETENTION_MS } from '@airis/contracts';
import type { Admin, ITopicConfig } from 'kafkajs';
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
  await admin.createTopics({ topics: wanted, waitForLeaders: true });
  return wanted.map((t) => t.topic);
}
