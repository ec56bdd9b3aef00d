import type { AlertDto } from '@airis/contracts';
import type { AlertState } from '../domain/alert-state';
import { formatDuration } from '../domain/duration';

/** The published shape of an alert: every field the seed's Slack and PagerDuty payloads read. */
export function toAlertDto(s: AlertState, dashboardUrl: string, now: number): AlertDto {
  const since = s.firing_at ?? s.started_at;
  const dto: AlertDto = {
    id: s.alert_id,
    fingerprint: s._id,
    name: s.name,
    status: s.status,
    severity: s.severity,
    description: s.description,
    source: s.source,
    alert_type: s.alert_type,
    rule_id: s.rule_id,
    labels: s.labels,
    annotations: s.annotations,
    duration: formatDuration((s.ends_at ?? now) - since),
    timestamp: s.started_at,
    updated_at: s.updated_at,
    dashboard_url: `${dashboardUrl.replace(/\/$/, '')}/dashboard?alert=${encodeURIComponent(s.alert_id)}`,
  };
  const model = s.labels['model_id'] ?? s.labels['model'];
  const environment = s.labels['environment'] ?? s.labels['env'];
  if (model !== undefined) dto.model_id = model;
  if (environment !== undefined) dto.environment = environment;
  if (s.threshold !== undefined) dto.threshold = s.threshold;
  if (s.current_value !== undefined && Number.isFinite(s.current_value)) dto.current_value = s.current_value;
  if (s.ends_at !== undefined) dto.ends_at = s.ends_at;
  if (s.acknowledged_by !== undefined) dto.acknowledged_by = s.acknowledged_by;
  return dto;
}
