import type { EventSeverity } from '@airis/contracts';

/** PagerDuty Events API v2 `payload.severity` values. */
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/**
 * The seed's severities (info/warning/error/critical) map one to one onto PagerDuty's; the
 * seed's "high" (used by its page-only-critical/high rule) is PagerDuty's `error`.
 */
export function toPagerDutySeverity(severity: EventSeverity | 'high'): PagerDutySeverity {
  return severity === 'high' ? 'error' : severity;
}

export function fromPagerDutySeverity(severity: string): EventSeverity {
  switch (severity) {
    case 'critical':
    case 'error':
    case 'warning':
    case 'info':
      return severity;
    default:
      return 'warning';
  }
}
