import type { AlertDto, NotificationRequestDto } from '@airis/contracts';

/** Cuts text to `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return max <= 1 ? text.slice(0, max) : `${text.slice(0, max - 1)}…`;
}

/** The seed's trigger time: `YYYY-MM-DD HH:MM:SS UTC`. */
export function utcTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Link to the alert on the dashboard (the seed's `{airis_mon_url}/dashboard?alert={id}`). */
export function dashboardLink(dashboardUrl: string, alert: Pick<AlertDto, 'id' | 'dashboard_url'>): string {
  return alert.dashboard_url ?? `${dashboardUrl}/dashboard?alert=${encodeURIComponent(alert.id)}`;
}

export function groupLink(dashboardUrl: string, n: NotificationRequestDto): string {
  if (n.alerts.length === 1 && n.alerts[0]) return dashboardLink(dashboardUrl, n.alerts[0]);
  return `${dashboardUrl}/dashboard?group=${encodeURIComponent(n.group_key)}`;
}

const SEVERITY_RANK: Record<string, number> = { critical: 4, error: 3, warning: 2, info: 1 };

/** The worst severity in a group: what the header and colour show. */
export function worstSeverity(alerts: readonly AlertDto[]): AlertDto['severity'] {
  let worst: AlertDto['severity'] = 'info';
  for (const a of alerts) if ((SEVERITY_RANK[a.severity] ?? 0) > (SEVERITY_RANK[worst] ?? 0)) worst = a.severity;
  return worst;
}

export function isResolved(n: NotificationRequestDto): boolean {
  return n.status === 'resolved';
}

/** A title shared by the chat channels: "🚨 CRITICAL Alert", "✅ RESOLVED: CRITICAL Alert", counts for groups. */
export function title(n: NotificationRequestDto): string {
  const severity = worstSeverity(n.alerts).toUpperCase();
  const count = n.alerts.length;
  const what = count > 1 ? `${count} ${severity} Alerts` : `${severity} Alert`;
  return isResolved(n) ? `✅ RESOLVED: ${what}` : `🚨 ${what}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
