import { Inject, Injectable } from '@nestjs/common';
import type { AlertDto, NotificationRequestDto } from '@airis/contracts';
import { counter } from '@airis/observability';
import { AppError } from '@airis/resilience';
import { DEFAULT_PAGED_SEVERITIES } from '../channels/pagerduty.render';
import { subscriptionMatches } from '../channels/subscription';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../notifier.config';
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
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
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

  /**
   * One insert for the record's deliveries. When this instance has room they are stored
   * already leased to it (due at the lease's end) and handed straight to its workers; a crash
   * leaves them to any instance's claim loop once the lease expires. Without room they are
   * stored due now and the claim loop takes them.
   */
  private async store_(docs: DeliveryDoc[]): Promise<number> {
    if (docs.length === 0) return 0;
    const lease = this.dispatcher.acceptsFresh();
    if (lease) {
      const leaseEnd = new Date(Date.now() + this.config.leaseMs);
      for (const d of docs) Object.assign(d, { next_attempt_at: leaseEnd, lease_owner: this.dispatcher.owner });
    }
    const created = await this.store.insertNew(docs);
    const fresh: DeliveryDoc[] = [];
    docs.forEach((d, i) => {
      if (created[i]) {
        fresh.push(d);
        accepted.inc({ channel: d.channel });
      } else duplicates.inc();
    });
    if (fresh.length > 0) {
      if (lease) this.dispatcher.submit(fresh);
      else this.dispatcher.wake();
    }
    return fresh.length;
  }
}
