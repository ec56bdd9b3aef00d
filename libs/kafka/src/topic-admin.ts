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

/**
 * Waits until every topic of the registry (and its DLQ) answers for its offsets: present, with a
 * leader that knows it is one. Services starting together see topics another one has just
 * created, which can answer UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER for a while on a busy
 * broker; a start that went on would fail in the config store or the consumer's subscribe.
 * Missing and not-yet-served topics are asked again with backoff until `timeoutMs`; then, or on
 * an error that is not retriable, it throws and names them.
 */
export async function waitUntilServed(admin: Admin, names: TopicNames, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = names.all().map((t) => t.name);
  for (let attempt = 1; ; attempt++) {
    // Missing ones are not asked for offsets: kafkajs would retry each for half a minute.
    const existing = new Set(await admin.listTopics());
    const missing = pending.filter((t) => !existing.has(t));
    const unserved: string[] = [];
    let lastError: Error | undefined;
    for (const topic of pending) {
      if (!existing.has(topic)) continue;
      try {
        await admin.fetchTopicOffsets(topic);
      } catch (error) {
        if ((error as { retriable?: boolean }).retriable !== true) throw error;
        unserved.push(topic);
        lastError = error as Error;
      }
    }
    pending = [...missing, ...unserved];
    if (pending.length === 0) return;
    if (Date.now() >= deadline) {
      const parts = [
        missing.length > 0 ? `missing: ${missing.join(', ')}` : '',
        unserved.length > 0 ? `not served (${lastError?.message ?? 'no answer'}): ${unserved.join(', ')}` : '',
      ];
      throw new Error(`topics not ready after ${timeoutMs} ms; ${parts.filter(Boolean).join('; ')}`);
    }
    await sleep(backoffDelay(attempt, { initialMs: 100, multiplier: 2, maxMs: 2000 }));
  }
}
