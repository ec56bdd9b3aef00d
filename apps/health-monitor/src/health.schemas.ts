import type { AlertDto, DeliveryAttemptDto, EventDto, HealthStatus } from '@airis/contracts';
import { Schema } from 'mongoose';
import type { ComponentKind, InstanceState } from './domain/health-status';

/*
 * The health monitor's own collections (no other service reads them). Everything that ages
 * carries `expiresAt`; the sweeper deletes what is past it (FerretDB has no TTL monitor we can
 * rely on). Write-once documents (samples, transitions, outbox events, delivery attempts) are
 * inserted under a deterministic `_id`, so a redelivered record is a duplicate key with no effect
 * (an upsert by `_id` would scan the collection on FerretDB 1.24); the few per-component and
 * per-alert documents are updated with $set upserts.
 */

export const COMPONENTS = 'HealthComponent';
export const SAMPLES = 'HealthSample';
export const TRANSITIONS = 'HealthTransition';
export const OUTBOX = 'HealthOutboxEvent';
export const ALERTS = 'HealthAlert';
export const DELIVERIES = 'HealthDelivery';

/** Current state of one component (service or integration), rolled up over its instances. */
export interface ComponentDoc {
  _id: string;
  kind: ComponentKind;
  status: HealthStatus;
  reason?: string;
  since: number;
  last_report?: number;
  last_success?: number;
  instances: InstanceState[];
  updated_at: number;
}

export const ComponentSchema = new Schema<ComponentDoc>(
  {
    _id: String,
    kind: String,
    status: String,
    reason: String,
    since: Number,
    last_report: Number,
    last_success: Number,
    instances: [
      {
        _id: false,
        instance: String,
        reported: String,
        message: String,
        last_seen: Number,
        interval_ms: Number,
        last_success: Number,
      },
    ],
    updated_at: Number,
  },
  { collection: 'health_components', versionKey: false },
);

/** One report received (the CloudEvents id is the _id, so a duplicate is not counted twice). */
export interface SampleDoc {
  _id: string;
  component: string;
  kind: ComponentKind;
  instance: string;
  status: HealthStatus;
  latency_ms?: number;
  items?: number;
  message?: string;
  interval_ms?: number;
  t: number;
  expiresAt: Date;
}

export const SampleSchema = new Schema<SampleDoc>(
  {
    _id: String,
    component: String,
    kind: String,
    instance: String,
    status: String,
    latency_ms: Number,
    items: Number,
    message: String,
    interval_ms: Number,
    t: Number,
    expiresAt: Date,
  },
  { collection: 'health_samples', versionKey: false },
);
SampleSchema.index({ t: 1 });
SampleSchema.index({ expiresAt: 1 });

/** A status change of a component: the history of GET /api/v1/health/integrations/{name}. */
export interface TransitionDoc {
  _id: string;
  component: string;
  kind: ComponentKind;
  from: HealthStatus;
  to: HealthStatus;
  reason?: string;
  at: number;
  expiresAt: Date;
}

export const TransitionSchema = new Schema<TransitionDoc>(
  {
    _id: String,
    component: String,
    kind: String,
    from: String,
    to: String,
    reason: String,
    at: Number,
    expiresAt: Date,
  },
  { collection: 'health_transitions', versionKey: false },
);
TransitionSchema.index({ component: 1, at: 1 });
TransitionSchema.index({ expiresAt: 1 });

/** Events to publish on airis.events.v1, written first so none is lost if Kafka is away. */
export interface OutboxDoc {
  _id: string;
  key: string;
  event: EventDto;
  at: number;
  published: boolean;
  expiresAt: Date;
}

export const OutboxSchema = new Schema<OutboxDoc>(
  {
    _id: String,
    key: String,
    event: Schema.Types.Mixed,
    at: Number,
    published: Boolean,
    expiresAt: Date,
  },
  { collection: 'health_outbox', versionKey: false },
);
OutboxSchema.index({ published: 1, at: 1 });
OutboxSchema.index({ expiresAt: 1 });

/** Latest state of each alert (by fingerprint); open ones have no expiry. */
export interface AlertDoc extends AlertDto {
  _id: string;
  expiresAt: Date | null;
}

export const AlertSchema = new Schema<AlertDoc>(
  {
    _id: String,
    id: String,
    fingerprint: String,
    name: String,
    status: String,
    severity: String,
    description: String,
    source: String,
    alert_type: String,
    rule_id: String,
    model_id: String,
    environment: String,
    threshold: Number,
    current_value: Number,
    duration: String,
    labels: Schema.Types.Mixed,
    annotations: Schema.Types.Mixed,
    timestamp: Number,
    updated_at: Number,
    ends_at: Number,
    acknowledged_by: String,
    dashboard_url: String,
    expiresAt: Date,
  },
  { collection: 'health_alerts', versionKey: false },
);
AlertSchema.index({ status: 1, updated_at: -1 });
AlertSchema.index({ expiresAt: 1 });

export interface DeliveryDoc extends Omit<DeliveryAttemptDto, 'id'> {
  _id: string;
  expiresAt: Date;
}

export const DeliverySchema = new Schema<DeliveryDoc>(
  {
    _id: String,
    notification_id: String,
    channel: String,
    target: String,
    outcome: String,
    attempt: Number,
    http_status: Number,
    latency_ms: Number,
    response_snippet: String,
    error: String,
    timestamp: Number,
    expiresAt: Date,
  },
  { collection: 'health_deliveries', versionKey: false },
);
DeliverySchema.index({ timestamp: -1 });
DeliverySchema.index({ expiresAt: 1 });
