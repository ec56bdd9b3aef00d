import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { AlertDto } from '@airis/contracts';
import { counter } from '@airis/observability';
import { AppError } from '@airis/resilience';
import { type Model, Schema } from 'mongoose';
import { type PlannedSlackUpdate, sha256Hex } from '../providers';
import { WebhookReceiverEnv } from '../webhook-receiver.env';

/** A Slack message waiting for its alert to be acknowledged, then updated via response_url. */
export interface PendingSlackUpdate {
  _id: string;
  alert_id: string;
  response_url: string;
  user: string;
  state: 'pending' | 'sending' | 'sent' | 'failed';
  lease_until: Date;
  expiresAt: Date;
  attempts: number;
}

export const SLACK_UPDATE_MODEL = 'SlackPendingUpdate';

export const SlackUpdateSchema = new Schema<PendingSlackUpdate>(
  {
    _id: String,
    alert_id: { type: String, index: true },
    response_url: String,
    user: String,
    state: String,
    lease_until: Date,
    expiresAt: { type: Date, index: true },
    attempts: Number,
  },
  { versionKey: false, collection: 'slack_pending_updates' },
);

const updates = counter('airis_webhook_slack_updates_total', 'Slack message updates after an acknowledgement', [
  'outcome',
]);

const SEND_LEASE_MS = 15_000;

/**
 * Slack answers: the click is answered at once (Slack wants a reply within 3 s), and the
 * original message is replaced through `response_url` only once the acknowledgement has been
 * applied, i.e. when airis.alerts.v1 shows the alert acknowledged. Pending updates live in
 * MongoDB so any replica can finish them and a restart loses none.
 */
@Injectable()
export class SlackUpdates {
  private readonly logger = new Logger(SlackUpdates.name);
  private readonly allowedUrl: RegExp;

  constructor(
    @InjectModel(SLACK_UPDATE_MODEL) private readonly pending: Model<PendingSlackUpdate>,
    private readonly env: WebhookReceiverEnv,
  ) {
    this.allowedUrl = new RegExp(env.WEBHOOK_SLACK_RESPONSE_URL_PATTERN);
  }

  /** Remembers updates to make; a response_url Slack did not issue is refused (never fetched). */
  async remember(updatesToMake: PlannedSlackUpdate[], now: number): Promise<void> {
    for (const u of updatesToMake) {
      if (!this.allowedUrl.test(u.responseUrl)) {
        this.logger.warn(
          `response_url of alert ${u.alertId} does not match WEBHOOK_SLACK_RESPONSE_URL_PATTERN; no update`,
        );
        continue;
      }
      await this.pending.updateOne(
        { _id: `${u.alertId}|${sha256Hex(u.responseUrl).slice(0, 32)}` },
        {
          $setOnInsert: {
            alert_id: u.alertId,
            response_url: u.responseUrl,
            user: u.user,
            state: 'pending',
            lease_until: new Date(0),
            attempts: 0,
            expiresAt: new Date(now + this.env.WEBHOOK_SLACK_UPDATE_TTL_MINUTES * 60_000),
          },
        },
        { upsert: true },
      );
    }
  }

  /**
   * Called for every acknowledged alert: posts each pending update of that alert once. A second
   * delivery of the same alert record finds nothing pending (claimed atomically).
   */
  async onAcknowledged(alert: AlertDto, now = Date.now()): Promise<number> {
    const ids = [...new Set([alert.id, alert.fingerprint])];
    const candidates = await this.pending
      .find({ alert_id: { $in: ids }, state: { $in: ['pending', 'sending'] }, expiresAt: { $gt: new Date(now) } })
      .lean();
    let sent = 0;
    for (const candidate of candidates) {
      const claimed = await this.pending.findOneAndUpdate(
        {
          _id: candidate._id,
          $or: [{ state: 'pending' }, { state: 'sending', lease_until: { $lt: new Date(now) } }],
        },
        { $set: { state: 'sending', lease_until: new Date(now + SEND_LEASE_MS) }, $inc: { attempts: 1 } },
        { new: true },
      );
      if (!claimed) continue;
      await this.send(claimed.toObject(), alert);
      sent++;
    }
    return sent;
  }

  private async send(update: PendingSlackUpdate, alert: AlertDto): Promise<void> {
    const who = alert.acknowledged_by ?? update.user;
    const message = {
      replace_original: true,
      response_type: 'in_channel',
      text: `Alert ${alert.name} acknowledged by ${who}`,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `:white_check_mark: *${alert.name}* (${alert.severity}) acknowledged by *${who}*`,
          },
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `Alert ${alert.id}` }] },
      ],
    };
    let status: number;
    try {
      const response = await fetch(update.response_url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      await response.body?.cancel();
    } catch (error) {
      await this.pending.updateOne({ _id: update._id }, { $set: { state: 'pending' } });
      updates.inc({ outcome: 'retry' });
      throw AppError.transient('slack_unreachable', `response_url not reachable: ${(error as Error).message}`, error);
    }
    if (status >= 200 && status < 300) {
      await this.pending.updateOne({ _id: update._id }, { $set: { state: 'sent' } });
      updates.inc({ outcome: 'sent' });
      return;
    }
    if (status === 429 || status >= 500) {
      await this.pending.updateOne({ _id: update._id }, { $set: { state: 'pending' } });
      updates.inc({ outcome: 'retry' });
      throw AppError.transient('slack_unavailable', `response_url answered ${status}`);
    }
    // 4xx: the url expired (30 min, 5 uses) or was refused; retrying cannot help.
    await this.pending.updateOne({ _id: update._id }, { $set: { state: 'failed' } });
    updates.inc({ outcome: 'failed' });
    this.logger.warn(`Slack update for alert ${alert.id} refused with ${status}`);
  }
}
