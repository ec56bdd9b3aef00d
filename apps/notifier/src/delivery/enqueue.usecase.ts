import { Injectable } from '@nestjs/common';
import type { AlertDto, NotificationRequestDto } from '@airis/contracts';
import { counter } from '@airis/observability';
import { AppError } from '@airis/resilience';
import { DEFAULT_PAGED_SEVERITIES } from '../channels/pagerduty.render';
import { subscriptionMatches } from '../channels/subscription';
import { ReceiverRegistry } from '../receiver.registry';
import { type DeliveryChannel, type DeliveryDoc, DeliveryStore } from './delivery.store';
import { DeliveryDispatcher } from './delivery.dispatcher';

const accepted = counter('airis_notifier_deliveries_accepted_total', 'Deliveries stored for sending', ['channel']);
const duplicates = counter('airis_notifier_deliveries_duplicate_total', 'Deliveries already stored (redelivered)', []);

const CHANNEL_ORDER = ['slack', 'pagerduty', 'teams', 'discord', 'telegram', 'email', 'webhook'] as const;

/**
 * Turns a notification (or an alert change) into stored deliveries, one per channel target,
 * with deterministic ids: a redelivered record finds them already there (one effect). The
 * consumer commits the offset only after this resolves, so nothing accepted is lost.
 */
@Injectable()
export class EnqueueUseCase {
  constructor(
    private readonly store: DeliveryStore,
    private readonly registry: ReceiverRegistry,
    private readonly dispatcher: DeliveryDispatcher,
  ) {}

  async notification(n: NotificationRequestDto, enqueuedAt: number): Promise<number> {
    const receiver = this.registry.receiver(n.receiver);
    if (!receiver) {
      // Dead-lettered with the reason; `airis dlq replay` sends it again once the receiver exists.
      throw AppError.permanent('receiver_unknown', `no receiver named ${n.receiver}`);
    }
    if (receiver.spec.enabled === false) return 0;
    const docs: DeliveryDoc[] = [];
    const payload = JSON.stringify(n);
    const base = (channel: DeliveryChannel, alertIds: string[], alertId?: string): DeliveryDoc => {
      const now = new Date();
      return {
        _id: `${n.id}/${receiver.id}/${channel}${alertId ? `/${alertId}` : ''}`,
        notification_id: n.id,
        receiver: receiver.id,
        channel,
        ...(alertId ? { alert_id: alertId } : {}),
        alert_ids: alertIds,
        payload,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
        enqueued_at: new Date(enqueuedAt),
      };
    };
    const alertIds = n.alerts.map((a) => a.id);
    for (const channel of CHANNEL_ORDER) {
      if (!receiver.spec[channel]) continue;
      if (channel === 'pagerduty') {
        const paged = receiver.spec.pagerduty?.severities ?? DEFAULT_PAGED_SEVERITIES;
        for (const alert of n.alerts) {
          if (paged.includes(alert.severity)) docs.push(base('pagerduty', [alert.id], alert.id));
        }
      } else {
        docs.push(base(channel, alertIds));
      }
    }
    return this.store_(docs);
  }

  async alertChange(alert: AlertDto, eventId: string, enqueuedAt: number): Promise<number> {
    const docs: DeliveryDoc[] = [];
    const now = new Date();
    for (const sub of this.registry.allSubscriptions()) {
      if (!subscriptionMatches(sub, alert)) continue;
      docs.push({
        _id: `${eventId}/subscription/${sub.id}`,
        notification_id: eventId,
        receiver: sub.id,
        channel: 'subscription',
        alert_ids: [alert.id],
        payload: JSON.stringify(alert),
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
        enqueued_at: new Date(enqueuedAt),
      });
    }
    return this.store_(docs);
  }

  private async store_(docs: DeliveryDoc[]): Promise<number> {
    const created = await Promise.all(docs.map((d) => this.store.insertIfAbsent(d)));
    let n = 0;
    docs.forEach((d, i) => {
      if (created[i]) {
        n++;
        accepted.inc({ channel: d.channel });
      } else duplicates.inc();
    });
    // New deliveries are due now: wake the workers instead of waiting for the next poll.
    if (n > 0) this.dispatcher.wake();
    return n;
  }
}
