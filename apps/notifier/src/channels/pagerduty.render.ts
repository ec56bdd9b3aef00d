import type { AlertDto, EventSeverity } from '@airis/contracts';
import { dashboardLink, truncate } from './format';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
/** The seed pages for critical and high; "high" is this product's `error`. */
export const DEFAULT_PAGED_SEVERITIES: readonly EventSeverity[] = ['critical', 'error'];

export type PagerDutyAction = 'trigger' | 'acknowledge' | 'resolve';

/** PagerDuty's severities are exactly ours (critical, error, warning, info). */
export function mapSeverity(severity: EventSeverity): 'critical' | 'error' | 'warning' | 'info' {
  return severity;
}

export function pagerDutyDedupKey(alertId: string): string {
  return `airis-mon-${alertId}`;
}

/** What the notification asks of PagerDuty for one alert. */
export function pagerDutyAction(notificationStatus: 'firing' | 'resolved', alert: AlertDto): PagerDutyAction {
  if (notificationStatus === 'resolved' || alert.status === 'resolved') return 'resolve';
  if (alert.status === 'acknowledged') return 'acknowledge';
  return 'trigger';
}

/**
 * An Events API v2 event exactly as the seed's PagerDutyIntegration builds it: trigger with the
 * payload (summary ≤ 1024, source, severity, timestamp, component, group, class,
 * custom_details with the dashboard URL); acknowledge and resolve carry only the dedup key.
 */
export function renderPagerDuty(
  action: PagerDutyAction,
  alert: AlertDto,
  options: { routingKey: string; dashboardUrl: string },
): Record<string, unknown> {
  const dedup_key = pagerDutyDedupKey(alert.id);
  if (action !== 'trigger') return { routing_key: options.routingKey, event_action: action, dedup_key };
  const dashboard_url = dashboardLink(options.dashboardUrl, alert);
  return {
    routing_key: options.routingKey,
    event_action: 'trigger',
    dedup_key,
    client: 'AIRIS-MON',
    client_url: dashboard_url,
    payload: {
      summary: truncate(`AIRIS-MON Alert: ${alert.name}`, 1024),
      source: alert.source || 'airis-mon',
      severity: mapSeverity(alert.severity),
      timestamp: new Date(alert.timestamp).toISOString(),
      component: alert.model_id ?? 'unknown',
      group: alert.environment ?? 'production',
      class: alert.alert_type || 'monitoring',
      custom_details: {
        alert_id: alert.id,
        model_id: alert.model_id ?? null,
        environment: alert.environment ?? null,
        threshold: alert.threshold ?? null,
        current_value: alert.current_value ?? null,
        duration: alert.duration ?? null,
        dashboard_url,
      },
    },
  };
}
