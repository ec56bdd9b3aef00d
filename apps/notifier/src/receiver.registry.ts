import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ReceiverSpecDto, describeFieldErrors, validateContract } from '@airis/contracts';
import { ConfigStore } from '@airis/config-store';
import { counter } from '@airis/observability';
import { WEBHOOK_SUBSCRIPTION_KIND, type WebhookSubscription, parseSubscription } from './channels/subscription';

export const RECEIVER_KIND = 'receiver';

export interface Receiver {
  id: string;
  revision: number;
  spec: ReceiverSpecDto;
}

const invalidConfig = counter('airis_notifier_invalid_config_total', 'Receivers/subscriptions ignored as invalid', [
  'kind',
]);

/**
 * The live receivers and outbound webhook subscriptions, followed from `airis.config.v1`.
 * An invalid resource is logged and ignored (the previous valid one is dropped too: sending
 * with a configuration the operator replaced would be worse than not sending).
 */
@Injectable()
export class ReceiverRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ReceiverRegistry.name);
  private readonly receivers = new Map<string, Receiver>();
  private readonly byName = new Map<string, string>();
  private readonly subscriptions = new Map<string, WebhookSubscription>();
  private readonly unwatch: (() => void)[] = [];
  /** Called when a receiver changes, so endpoint state (disabled, breaker) can be reset. */
  onReceiverChanged: (id: string) => void = () => undefined;

  constructor(private readonly config: ConfigStore) {}

  onModuleInit(): void {
    this.unwatch.push(
      this.config.watch(RECEIVER_KIND, (change) => {
        this.dropReceiver(change.id);
        if (change.type === 'upsert') {
          const result = validateContract(ReceiverSpecDto, change.resource.spec);
          if (!result.ok) {
            invalidConfig.inc({ kind: RECEIVER_KIND });
            this.logger.warn(`receiver ${change.id} ignored: ${describeFieldErrors(result.errors)}`);
          } else {
            this.receivers.set(change.id, { id: change.id, revision: change.resource.revision, spec: result.value });
            this.byName.set(result.value.name, change.id);
          }
        }
        // Replayed at start (no previous): nothing changed, endpoint state stays as stored.
        if (change.previous) this.onReceiverChanged(change.id);
      }),
      this.config.watch(WEBHOOK_SUBSCRIPTION_KIND, (change) => {
        this.subscriptions.delete(change.id);
        if (change.type !== 'upsert') return;
        const parsed = parseSubscription(change.id, change.resource.spec);
        if (typeof parsed === 'string') {
          invalidConfig.inc({ kind: WEBHOOK_SUBSCRIPTION_KIND });
          this.logger.warn(`webhook subscription ${change.id} ignored: ${parsed}`);
          return;
        }
        this.subscriptions.set(change.id, parsed);
      }),
    );
  }

  onModuleDestroy(): void {
    for (const u of this.unwatch) u();
  }

  /** By resource id, or by the receiver's `name` (what the router's notifications carry). */
  receiver(nameOrId: string): Receiver | undefined {
    const direct = this.receivers.get(nameOrId);
    if (direct) return direct;
    const id = this.byName.get(nameOrId);
    return id === undefined ? undefined : this.receivers.get(id);
  }

  subscription(id: string): WebhookSubscription | undefined {
    return this.subscriptions.get(id);
  }

  allSubscriptions(): WebhookSubscription[] {
    return [...this.subscriptions.values()];
  }

  private dropReceiver(id: string): void {
    const old = this.receivers.get(id);
    if (old && this.byName.get(old.spec.name) === id) this.byName.delete(old.spec.name);
    this.receivers.delete(id);
  }
}
