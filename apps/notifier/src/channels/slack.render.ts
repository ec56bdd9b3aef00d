import type { AlertDto, NotificationRequestDto } from '@airis/contracts';
import { dashboardLink, groupLink, isResolved, title, truncate, utcTime, worstSeverity } from './format';

/** Block Kit limits (Slack reference: blocks, section, header, context, button). */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  contextElements: 10,
  fallbackText: 4000,
} as const;

export interface SlackOptions {
  dashboardUrl: string;
  channel?: string;
  username?: string;
}

type Block = Record<string, unknown>;

const mrkdwn = (text: string, max: number = SLACK_LIMITS.sectionText): Block => ({
  type: 'mrkdwn',
  text: truncate(text, max),
});
const plain = (text: string, max: number): Block => ({ type: 'plain_text', text: truncate(text, max) });

function fields(alert: AlertDto): Block[] {
  return [
    mrkdwn(`*Alert:*\n${alert.name}`, SLACK_LIMITS.fieldText),
    mrkdwn(`*Severity:*\n${alert.severity}`, SLACK_LIMITS.fieldText),
    mrkdwn(`*Model:*\n${alert.model_id ?? 'N/A'}`, SLACK_LIMITS.fieldText),
    mrkdwn(`*Environment:*\n${alert.environment ?? 'N/A'}`, SLACK_LIMITS.fieldText),
  ];
}

function ackButton(alert: AlertDto): Block {
  return { type: 'button', text: plain('Acknowledge', SLACK_LIMITS.buttonText), action_id: `ack_alert_${alert.id}` };
}

function timeLine(n: NotificationRequestDto, alert: AlertDto): string {
  const triggered = `Triggered at ${utcTime(alert.timestamp)}`;
  if (!isResolved(n)) return triggered;
  return `${triggered} · Resolved at ${utcTime(alert.ends_at ?? n.timestamp)}`;
}

/**
 * The seed's SlackIntegration message: header with the severity, fields Alert / Severity /
 * Model / Environment, the description, the trigger time, and the buttons "View Dashboard" and
 * "Acknowledge" (`ack_alert_{id}`). A group lists one section per alert (with its own
 * Acknowledge button) inside Slack's limits and ends with "+N more" when it does not fit.
 */
export function renderSlack(n: NotificationRequestDto, options: SlackOptions): Record<string, unknown> {
  const severity = worstSeverity(n.alerts);
  const base: Record<string, unknown> = {
    ...(options.channel ? { channel: options.channel } : {}),
    username: options.username ?? 'AIRIS-MON',
    icon_emoji: isResolved(n) ? ':white_check_mark:' : severity === 'warning' ? ':warning:' : ':rotating_light:',
    text: truncate(`${title(n)}: ${n.alerts.map((a) => a.name).join(', ')}`, SLACK_LIMITS.fallbackText),
  };
  const header: Block = { type: 'header', text: plain(title(n), SLACK_LIMITS.headerText) };
  const first = n.alerts[0];
  if (n.alerts.length === 1 && first) {
    return {
      ...base,
      blocks: [
        header,
        { type: 'section', fields: fields(first) },
        { type: 'section', text: mrkdwn(`*Description:*\n${first.description}`) },
        { type: 'context', elements: [mrkdwn(timeLine(n, first))] },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: plain('View Dashboard', SLACK_LIMITS.buttonText),
              url: dashboardLink(options.dashboardUrl, first),
            },
            ...(isResolved(n) ? [] : [ackButton(first)]),
          ],
        },
      ],
    };
  }
  // Header, group context, actions and the "+N more" line are always there.
  const room = SLACK_LIMITS.blocks - 4;
  const shown = n.alerts.slice(0, room);
  const hidden = n.alerts.length - shown.length;
  const labels = Object.entries(n.group_labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const blocks: Block[] = [
    header,
    { type: 'context', elements: [mrkdwn(`Group: ${labels || n.group_key} · ${n.alerts.length} alert(s)`)] },
  ];
  for (const alert of shown) {
    blocks.push({
      type: 'section',
      text: mrkdwn(`*${alert.name}* (${alert.severity})\n${alert.description}\n_${timeLine(n, alert)}_`),
      fields: fields(alert),
      ...(isResolved(n) ? {} : { accessory: ackButton(alert) }),
    });
  }
  if (hidden > 0) blocks.push({ type: 'context', elements: [mrkdwn(`+${hidden} more`)] });
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        text: plain('View Dashboard', SLACK_LIMITS.buttonText),
        url: groupLink(options.dashboardUrl, n),
      },
    ],
  });
  return { ...base, blocks };
}
