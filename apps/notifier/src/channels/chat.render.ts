import type { AlertDto, NotificationRequestDto } from '@airis/contracts';
import { dashboardLink, escapeHtml, groupLink, isResolved, title, truncate, utcTime, worstSeverity } from './format';

const COLOURS: Record<AlertDto['severity'], { teams: string; discord: number }> = {
  critical: { teams: 'Attention', discord: 0xd32f2f },
  error: { teams: 'Attention', discord: 0xf57c00 },
  warning: { teams: 'Warning', discord: 0xfbc02d },
  info: { teams: 'Accent', discord: 0x1976d2 },
};
const RESOLVED_COLOUR = { teams: 'Good', discord: 0x388e3c };

function colour(n: NotificationRequestDto): { teams: string; discord: number } {
  return isResolved(n) ? RESOLVED_COLOUR : COLOURS[worstSeverity(n.alerts)];
}

/** Teams keeps a card under about 28 KB; 20 alerts with their facts stay well inside. */
export const TEAMS_MAX_ALERTS = 20;

/**
 * A Microsoft Teams Workflows webhook message: one Adaptive Card attachment (schema 1.4) with a
 * FactSet per alert (Alert / Severity / Model / Environment), the description, the trigger time
 * and a "View Dashboard" action.
 */
export function renderTeams(n: NotificationRequestDto, options: { dashboardUrl: string }): Record<string, unknown> {
  const shown = n.alerts.slice(0, TEAMS_MAX_ALERTS);
  const hidden = n.alerts.length - shown.length;
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', size: 'Large', weight: 'Bolder', text: title(n), color: colour(n).teams, wrap: true },
  ];
  for (const alert of shown) {
    body.push(
      {
        type: 'FactSet',
        separator: true,
        facts: [
          { title: 'Alert', value: alert.name },
          { title: 'Severity', value: alert.severity },
          { title: 'Model', value: alert.model_id ?? 'N/A' },
          { title: 'Environment', value: alert.environment ?? 'N/A' },
        ],
      },
      { type: 'TextBlock', text: truncate(alert.description, 2000), wrap: true },
      {
        type: 'TextBlock',
        text: `Triggered at ${utcTime(alert.timestamp)}`,
        isSubtle: true,
        size: 'Small',
        wrap: true,
      },
    );
  }
  if (hidden > 0) body.push({ type: 'TextBlock', text: `+${hidden} more`, weight: 'Bolder', wrap: true });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          actions: [{ type: 'Action.OpenUrl', title: 'View Dashboard', url: groupLink(options.dashboardUrl, n) }],
        },
      },
    ],
  };
}

/** Discord limits (execute webhook / embed limits). */
export const DISCORD_LIMITS = { embeds: 10, title: 256, description: 4096, fields: 25, fieldValue: 1024, total: 6000 };

/**
 * Splits `budget` characters between texts: short texts keep their length, the rest share what
 * is left evenly (returns the length each may have).
 */
function shareBudget(lengths: readonly number[], budget: number, cap: number): number[] {
  const out = new Array<number>(lengths.length).fill(0);
  const order = lengths.map((len, i) => ({ len: Math.min(len, cap), i })).sort((a, b) => a.len - b.len);
  let left = Math.max(0, budget);
  order.forEach(({ len, i }, k) => {
    const share = Math.floor(left / (order.length - k));
    out[i] = Math.min(len, share);
    left -= out[i] ?? 0;
  });
  return out;
}

/**
 * A Discord "execute webhook" body: one embed per alert (≤ 10) and "+N more" in the content.
 * Discord counts every embed's title, description, field names and values towards one 6000
 * total: titles and fields are bounded first, the descriptions share what is left.
 */
export function renderDiscord(
  n: NotificationRequestDto,
  options: { dashboardUrl: string; username?: string },
): Record<string, unknown> {
  const shown = n.alerts.slice(0, DISCORD_LIMITS.embeds);
  const hidden = n.alerts.length - shown.length;
  const heads = shown.map((alert) => ({
    title: truncate(`${isResolved(n) ? 'RESOLVED: ' : ''}${alert.name}`, DISCORD_LIMITS.title),
    fields: [
      { name: 'Severity', value: alert.severity, inline: true },
      { name: 'Model', value: truncate(alert.model_id || 'N/A', 100), inline: true },
      { name: 'Environment', value: truncate(alert.environment || 'N/A', 100), inline: true },
    ],
  }));
  const fixed = heads.reduce(
    (sum, h) => sum + h.title.length + h.fields.reduce((m, f) => m + f.name.length + f.value.length, 0),
    0,
  );
  const room = shareBudget(
    shown.map((a) => a.description.length),
    DISCORD_LIMITS.total - fixed,
    DISCORD_LIMITS.description,
  );
  const embeds = shown.map((alert, i) => {
    const description = truncate(alert.description, room[i] ?? 0);
    return {
      title: heads[i]?.title,
      ...(description ? { description } : {}),
      url: dashboardLink(options.dashboardUrl, alert),
      color: colour(n).discord,
      timestamp: new Date(alert.timestamp).toISOString(),
      fields: heads[i]?.fields,
    };
  });
  return {
    username: options.username ?? 'AIRIS-MON',
    content: truncate(`**${title(n)}**${hidden > 0 ? ` (+${hidden} more)` : ''}`, 2000),
    embeds,
    allowed_mentions: { parse: [] },
  };
}

export const TELEGRAM_TEXT_LIMIT = 4096;

/** Telegram Bot API `sendMessage` body, HTML parse mode, within the 4096-character limit. */
export function renderTelegram(
  n: NotificationRequestDto,
  options: { dashboardUrl: string; chatId: string },
): Record<string, unknown> {
  const head = `<b>${escapeHtml(title(n))}</b>`;
  const link = `<a href="${escapeHtml(groupLink(options.dashboardUrl, n))}">View Dashboard</a>`;
  const parts: string[] = [];
  let used = head.length + link.length + 40;
  let shown = 0;
  for (const alert of n.alerts) {
    const part =
      `\n\n<b>${escapeHtml(alert.name)}</b> (${alert.severity})\n` +
      `Model: ${escapeHtml(alert.model_id ?? 'N/A')} · Environment: ${escapeHtml(alert.environment ?? 'N/A')}\n` +
      `${escapeHtml(truncate(alert.description, 500))}\n<i>Triggered at ${utcTime(alert.timestamp)}</i>`;
    if (used + part.length > TELEGRAM_TEXT_LIMIT) break;
    parts.push(part);
    used += part.length;
    shown++;
  }
  const hidden = n.alerts.length - shown;
  return {
    chat_id: options.chatId,
    text: `${head}${parts.join('')}${hidden > 0 ? `\n\n+${hidden} more` : ''}\n\n${link}`,
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
  };
}

/** Email subject, text and HTML parts. */
export function renderEmail(
  n: NotificationRequestDto,
  options: { dashboardUrl: string },
): { subject: string; text: string; html: string } {
  const labels = Object.entries(n.group_labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const subject = truncate(
    `[AIRIS-MON] [${n.status.toUpperCase()}:${n.alerts.length}] ${n.alerts[0]?.name ?? n.group_key}${labels ? ` (${labels})` : ''}`,
    250,
  );
  const link = groupLink(options.dashboardUrl, n);
  const text = [
    title(n),
    '',
    ...n.alerts.flatMap((a) => [
      `Alert: ${a.name}`,
      `Severity: ${a.severity}`,
      `Model: ${a.model_id ?? 'N/A'}`,
      `Environment: ${a.environment ?? 'N/A'}`,
      `Description: ${a.description}`,
      `Triggered at ${utcTime(a.timestamp)}`,
      `Dashboard: ${dashboardLink(options.dashboardUrl, a)}`,
      '',
    ]),
    `View all: ${link}`,
  ].join('\n');
  const rows = n.alerts
    .map(
      (a) =>
        `<tr><td><a href="${escapeHtml(dashboardLink(options.dashboardUrl, a))}">${escapeHtml(a.name)}</a></td>` +
        `<td>${a.severity}</td><td>${escapeHtml(a.model_id ?? 'N/A')}</td><td>${escapeHtml(a.environment ?? 'N/A')}</td>` +
        `<td>${escapeHtml(a.description)}</td><td>${utcTime(a.timestamp)}</td></tr>`,
    )
    .join('');
  const html =
    `<!doctype html><html><body><h2>${escapeHtml(title(n))}</h2>` +
    `<table border="1" cellpadding="4" cellspacing="0"><thead><tr><th>Alert</th><th>Severity</th><th>Model</th>` +
    `<th>Environment</th><th>Description</th><th>Triggered</th></tr></thead><tbody>${rows}</tbody></table>` +
    `<p><a href="${escapeHtml(link)}">View Dashboard</a></p></body></html>`;
  return { subject, text, html };
}

/** The generic webhook body: the notification as the router produced it, versioned. */
export function renderWebhook(n: NotificationRequestDto): Record<string, unknown> {
  return {
    version: '1',
    id: n.id,
    receiver: n.receiver,
    status: n.status,
    group_key: n.group_key,
    group_labels: n.group_labels,
    alerts: n.alerts,
    timestamp: n.timestamp,
  };
}
