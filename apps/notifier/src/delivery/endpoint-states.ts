import { Inject, Injectable, Logger } from '@nestjs/common';
import { KafkaProducer } from '@airis/kafka';
import { counter } from '@airis/observability';
import { AuditLog } from '@airis/security';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../notifier.config';
import { DeliveryStore } from './delivery.store';

interface Cached {
  failingSince: number | null;
  disabled: boolean;
  loadedAt: number;
}

/** Other replicas' changes (a disable) become visible within this long. */
const CACHE_MS = 15_000;

const disabledTotal = counter(
  'airis_notifier_endpoints_disabled_total',
  'Endpoints disabled (410 or failing too long)',
  ['channel'],
);

/**
 * Health of each endpoint across deliveries (MongoDB, cached): when it started failing, and
 * whether it is disabled — after a 410, or after failing without a single success for
 * NOTIFIER_DISABLE_AFTER_MS (5 days). Disabling publishes an event on `airis.events.v1` (so the
 * router can alert on it) and an audit record. Changing the receiver re-enables it.
 */
@Injectable()
export class EndpointStates {
  private readonly logger = new Logger(EndpointStates.name);
  private readonly cache = new Map<string, Cached>();

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly store: DeliveryStore,
    private readonly producer: KafkaProducer,
    private readonly audit: AuditLog,
  ) {}

  private async load(endpoint: string): Promise<Cached> {
    const hit = this.cache.get(endpoint);
    if (hit && Date.now() - hit.loadedAt < CACHE_MS) return hit;
    const doc = await this.store.endpoints.findOne({ _id: endpoint });
    const state: Cached = {
      failingSince: doc?.failing_since ? doc.failing_since.getTime() : null,
      disabled: doc?.disabled ?? false,
      loadedAt: Date.now(),
    };
    this.cache.set(endpoint, state);
    return state;
  }

  async isDisabled(endpoint: string): Promise<boolean> {
    return (await this.load(endpoint)).disabled;
  }

  async succeeded(endpoint: string): Promise<void> {
    const state = await this.load(endpoint);
    if (state.failingSince === null) return;
    state.failingSince = null;
    await this.store.endpoints.updateOne(
      { _id: endpoint },
      { $set: { failing_since: null, last_success_at: new Date() } },
    );
  }

  async failed(endpoint: string, receiver: string, channel: string, reason: string): Promise<void> {
    const state = await this.load(endpoint);
    const now = Date.now();
    if (state.failingSince === null) {
      state.failingSince = now;
      await this.store.upsertEndpoint(endpoint, {
        $set: { failing_since: new Date(now), receiver, channel },
        $setOnInsert: { disabled: false },
      });
      return;
    }
    if (!state.disabled && now - state.failingSince >= this.config.disableAfterMs) {
      const hours = Math.round((now - state.failingSince) / 3_600_000);
      await this.disable(endpoint, receiver, channel, `failing for ${hours} h without a success (last: ${reason})`);
    }
  }

  async disable(endpoint: string, receiver: string, channel: string, reason: string): Promise<void> {
    const state = await this.load(endpoint);
    if (state.disabled) return;
    state.disabled = true;
    await this.store.upsertEndpoint(endpoint, {
      $set: { disabled: true, disabled_reason: reason, disabled_at: new Date(), receiver, channel },
    });
    disabledTotal.inc({ channel });
    this.logger.warn(`endpoint ${endpoint} disabled: ${reason}`);
    const data = { endpoint, receiver, channel, reason };
    await Promise.all([
      this.producer
        .publish(
          'events',
          'notifier',
          {
            id: `endpoint-disabled-${endpoint}-${Date.now()}`,
            timestamp: Date.now(),
            source: 'notifier',
            event_type: 'notification_endpoint_disabled',
            severity: 'error',
            data,
          },
          { subject: endpoint },
        )
        .catch((e: unknown) => this.logger.warn(`endpoint-disabled event not published: ${(e as Error).message}`)),
      this.audit
        .record({
          actor: 'notifier',
          action: 'outbound.endpoint_disabled',
          outcome: 'failure',
          target: endpoint,
          reason,
          details: data,
        })
        .catch((e: unknown) => this.logger.warn(`audit not published: ${(e as Error).message}`)),
    ]);
  }

  /** A changed receiver starts afresh: its endpoints are enabled and not failing. */
  async reset(receiver: string): Promise<void> {
    for (const key of [...this.cache.keys()]) if (key.startsWith(`${receiver}/`)) this.cache.delete(key);
    await this.store.endpoints.updateMany(
      { receiver },
      { $set: { disabled: false, failing_since: null }, $unset: { disabled_reason: '', disabled_at: '' } },
    );
  }
}
