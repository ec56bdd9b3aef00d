import { AlertDto, NotificationRequestDto } from './dto/alert.dto';
import { EventDto } from './dto/event.dto';
import { MetricBatchDto } from './dto/metric-batch.dto';
import { validateAlert, validateNotificationRequest } from './fast-alert-validation';
import { validateEvent, validateMetricBatch } from './fast-validation';
import type { ContractResult } from './validation';
import { AuditEventDto, CommandDto, ConfigRecordDto, DeliveryAttemptDto, HealthReportDto } from './dto/operations.dto';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Class of a contract DTO; the registry ties each topic to one. */
export type ContractClass<T extends object = object> = new () => T;

export interface TopicSpec<T extends object = object> {
  /** Full topic name. Never changes: a breaking schema change is a new `.vN` topic. */
  readonly name: string;
  /** What the record key is; consumers rely on per-key ordering. */
  readonly key: string;
  /** CloudEvents `type` of the records (ce_type header). */
  readonly ceType: string;
  readonly partitions: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  /** -1 keeps records forever (compacted topics). */
  readonly retentionMs: number;
  readonly schema: ContractClass<T>;
  readonly description: string;
  /** Tombstones (null values) are meaningful on this topic. */
  readonly tombstones?: boolean;
  /**
   * A faster validator with exactly the schema's semantics, for the high-volume topics; consumers
   * use it instead of class-validator when present.
   */
  readonly validate?: (value: unknown) => ContractResult<T>;
}

/**
 * The one registry of every topic (DESIGN.md §2). Services create what they need from here at
 * start; `<name>.dlq` topics are derived, never listed by hand.
 */
export const TOPICS = {
  metrics: {
    ceType: 'io.airis.metrics.batch.v1',
    name: 'airis.metrics.v1',
    key: 'source',
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 3 * DAY,
    schema: MetricBatchDto,
    validate: validateMetricBatch,
    description: 'Metric batches from the gateway, connectors and external producers.',
  },
  events: {
    ceType: 'io.airis.event.v1',
    name: 'airis.events.v1',
    key: 'source',
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY,
    schema: EventDto,
    validate: validateEvent,
    description: 'Events from the gateway, webhook receiver, connectors, health monitor and producers.',
  },
  alerts: {
    ceType: 'io.airis.alert.v1',
    name: 'airis.alerts.v1',
    key: 'alert fingerprint',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY,
    schema: AlertDto,
    validate: validateAlert,
    description: 'Every alert state change, ordered per fingerprint.',
  },
  notifications: {
    ceType: 'io.airis.notification.v1',
    name: 'airis.notifications.v1',
    key: 'group key',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY,
    schema: NotificationRequestDto,
    validate: validateNotificationRequest,
    description: 'One notification request per alert group and receiver.',
  },
  deliveries: {
    ceType: 'io.airis.delivery.v1',
    name: 'airis.deliveries.v1',
    key: 'notification id',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY,
    schema: DeliveryAttemptDto,
    description: 'Every delivery attempt and its outcome.',
  },
  health: {
    ceType: 'io.airis.health.v1',
    name: 'airis.health.v1',
    key: 'component or integration id',
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: 2 * DAY,
    schema: HealthReportDto,
    description: 'Heartbeats of every service and check results of every integration.',
  },
  config: {
    ceType: 'io.airis.config.v1',
    name: 'airis.config.v1',
    key: 'kind/id',
    partitions: 1,
    cleanupPolicy: 'compact',
    retentionMs: -1,
    schema: ConfigRecordDto,
    tombstones: true,
    description: 'Every configuration resource; a tombstone deletes it. One partition keeps a total order.',
  },
  commands: {
    ceType: 'io.airis.command.v1',
    name: 'airis.commands.v1',
    key: 'target id',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY,
    schema: CommandDto,
    description: 'Instructions to the owner of a target (acknowledge, resolve, sync-now, replay...).',
  },
  audit: {
    ceType: 'io.airis.audit.v1',
    name: 'airis.audit.v1',
    key: 'actor',
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: 90 * DAY,
    schema: AuditEventDto,
    description: 'Security-relevant facts from every service.',
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicId = keyof typeof TOPICS;
export type TopicPayload<K extends TopicId> = InstanceType<(typeof TOPICS)[K]['schema']>;

export const DLQ_SUFFIX = '.dlq';
export const DLQ_RETENTION_MS = 14 * DAY;

export function dlqName(topic: string): string {
  return `${topic}${DLQ_SUFFIX}`;
}

export function allTopicSpecs(): TopicSpec[] {
  return Object.values(TOPICS);
}
