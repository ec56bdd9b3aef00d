import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { TOPICS } from '@airis/contracts';
import { KAFKA_CLIENT, TopicNames } from '@airis/kafka';
import type { Admin, Kafka } from 'kafkajs';
import { EventOutbox } from './event-outbox.service';
import { HealthMonitorConfig } from './health-monitor.config';
import { type ConsumerLag, HealthTracker } from './health-tracker.service';

/**
 * The hub's own consumer groups are `airis.<service>` (libs/service), optionally behind the topic
 * namespace (`<namespace>airis.<service>`, as this service names its own group when a namespace is
 * set); the config-store's per-process followers (`airis.config.<service>.<uuid>`) are not
 * services and are left out. Returns the service, or undefined for any other group.
 */
export function serviceOfGroup(groupId: string, namespace = ''): string | undefined {
  const rest = namespace && groupId.startsWith(namespace) ? groupId.slice(namespace.length) : groupId;
  return /^airis\.([a-z0-9][a-z0-9-]*)$/.exec(rest)?.[1];
}

/** Lag of one group: sum over partitions of (end offset − committed offset); uncommitted partitions are skipped. */
export function groupLag(
  committed: { topic: string; partitions: { partition: number; offset: string }[] }[],
  ends: Map<string, Map<number, number>>,
): { total: number; by_topic: Record<string, number> } {
  const by_topic: Record<string, number> = {};
  let total = 0;
  for (const { topic, partitions } of committed) {
    for (const p of partitions) {
      const offset = Number(p.offset);
      const end = ends.get(topic)?.get(p.partition);
      if (offset < 0 || end === undefined) continue;
      const lag = Math.max(0, end - offset);
      by_topic[topic] = (by_topic[topic] ?? 0) + lag;
      total += lag;
    }
  }
  return { total, by_topic };
}

/**
 * Polls the committed offsets of the hub's consumer groups against the end of the registry's
 * topics (kafkajs admin), shows the lag on each service and raises `consumer_lag_high` /
 * `consumer_lag_recovered` events when a group crosses HEALTH_LAG_THRESHOLD.
 */
@Injectable()
export class ConsumerLagMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ConsumerLagMonitor.name);
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private readonly high = new Set<string>();

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    private readonly topics: TopicNames,
    private readonly tracker: HealthTracker,
    private readonly outbox: EventOutbox,
    private readonly config: HealthMonitorConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.HEALTH_LAG_POLL_INTERVAL_MS === 0) return;
    this.admin = this.kafka.admin();
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.config.HEALTH_LAG_POLL_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
    await this.admin?.disconnect();
  }

  poll(): Promise<void> {
    this.polling ??= this.measure()
      .catch((error: unknown) => this.logger.warn(`consumer lag not measured: ${(error as Error).message}`))
      .finally(() => {
        this.polling = undefined;
      });
    return this.polling;
  }

  private async measure(): Promise<void> {
    const admin = this.admin;
    if (!admin) return;
    await admin.connect(); // a no-op once connected
    const existing = new Set(await admin.listTopics());
    const topicNames = Object.keys(TOPICS)
      .map((id) => this.topics.of(id as keyof typeof TOPICS))
      .filter((t) => existing.has(t));
    const { groups } = await admin.listGroups();
    const committedBy: { service: string; groupId: string; committed: Parameters<typeof groupLag>[0] }[] = [];
    for (const { groupId } of groups) {
      const service = serviceOfGroup(groupId, this.topics.namespace);
      if (!service) continue;
      try {
        committedBy.push({ service, groupId, committed: await admin.fetchOffsets({ groupId, topics: topicNames }) });
      } catch (error) {
        // One group being rebalanced or its coordinator moving must not hide the others.
        this.logger.warn(`offsets of ${groupId} not read: ${(error as Error).message}`);
      }
    }
    // The ends are read after the commits: the lag shown is then never below what it was when
    // the commits were read (ends read first could miss records appended in between).
    const ends = new Map<string, Map<number, number>>();
    for (const topic of topicNames) {
      const offsets = await admin.fetchTopicOffsets(topic);
      ends.set(topic, new Map(offsets.map((o) => [o.partition, Number(o.high)])));
    }
    const now = Date.now();
    for (const { service, groupId, committed } of committedBy) {
      const { total, by_topic } = groupLag(committed, ends);
      // Groups that never committed on this namespace's topics are someone else's.
      if (Object.keys(by_topic).length === 0) continue;
      const lag: ConsumerLag = { group: groupId, total, by_topic, at: now };
      this.tracker.setConsumerLag(service, lag);
      await this.crossing(service, lag, now);
    }
  }

  private async crossing(service: string, lag: ConsumerLag, now: number): Promise<void> {
    const isHigh = lag.total > this.config.HEALTH_LAG_THRESHOLD;
    if (isHigh === this.high.has(lag.group)) return;
    if (isHigh) this.high.add(lag.group);
    else this.high.delete(lag.group);
    const type = isHigh ? 'consumer_lag_high' : 'consumer_lag_recovered';
    await this.outbox.raise(`lag-${lag.group}-${type}-${now}`.slice(0, 128), service, {
      timestamp: now,
      source: service,
      event_type: type,
      severity: isHigh ? 'warning' : 'info',
      data: {
        group: lag.group,
        lag: lag.total,
        // A list, not a map: topic names contain dots, which MongoDB field names may not.
        topics: Object.entries(lag.by_topic).map(([topic, value]) => ({ topic, lag: value })),
        threshold: this.config.HEALTH_LAG_THRESHOLD,
      },
    });
  }
}
