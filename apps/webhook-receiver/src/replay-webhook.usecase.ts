import { Injectable, Logger } from '@nestjs/common';
import type { CommandDto, WebhookProvider, WebhookSourceSpecDto } from '@airis/contracts';
import { WEBHOOK_PROVIDERS } from '@airis/contracts';
import { AppError } from '@airis/resilience';
import { AuditLog } from '@airis/security';
import { DeliveryStore, deliveryKey } from './deliveries/delivery.store';
import { WebhookPublisher } from './deliveries/webhook-publisher';
import { PROVIDERS, PayloadError, type WebhookRequest } from './providers';
import { SourceRegistry } from './sources/source-registry';

export const REPLAY_ACTION = 'replay-webhook';

/**
 * `replay-webhook` commands: re-normalise a stored (verified, redacted) delivery and publish its
 * events and metrics again under ids derived from the command, so one command replays once
 * however often it is delivered. Commands it carried (acknowledge/resolve) are not re-issued.
 */
@Injectable()
export class ReplayWebhookUseCase {
  private readonly logger = new Logger(ReplayWebhookUseCase.name);

  constructor(
    private readonly store: DeliveryStore,
    private readonly publisher: WebhookPublisher,
    private readonly sources: SourceRegistry,
    private readonly audit: AuditLog,
  ) {}

  async execute(command: CommandDto): Promise<'replayed' | 'already_replayed'> {
    const params = command.params ?? {};
    const key =
      typeof params['source_id'] === 'string' && typeof params['delivery_id'] === 'string'
        ? deliveryKey(params['source_id'], params['delivery_id'])
        : command.target;
    const stored = await this.store.find(key);
    if (!stored || stored.state !== 'accepted') {
      throw AppError.permanent('delivery_not_found', `no stored delivery ${key} (unknown or expired)`);
    }
    if (stored.replays.includes(command.id)) return 'already_replayed';
    if (stored.body_truncated) {
      throw AppError.permanent('delivery_truncated', `delivery ${key} was stored truncated and cannot be replayed`);
    }
    if (!(WEBHOOK_PROVIDERS as readonly string[]).includes(stored.provider)) {
      throw AppError.permanent('unknown_provider', `delivery ${key} has unknown provider ${stored.provider}`);
    }
    const provider = stored.provider as WebhookProvider;
    const source = this.sources.get(stored.source_id);
    const spec: WebhookSourceSpecDto = source?.spec ?? { provider, secrets: [] };
    const request: WebhookRequest = {
      sourceId: stored.source_id,
      spec,
      secrets: [],
      signingSecrets: [],
      headers: stored.headers,
      body: Buffer.from(stored.body, 'utf8'),
      now: stored.received_at.getTime(),
    };
    let counts;
    try {
      counts = await this.publisher.publish(PROVIDERS[provider].normalize(request), `${key}|replay|${command.id}`, {
        sourceId: stored.source_id,
        now: Date.now(),
        withCommands: false,
      });
    } catch (error) {
      if (error instanceof PayloadError) throw AppError.permanent('replay_unreadable', error.message);
      throw error;
    }
    await this.store.markReplayed(key, command.id);
    await this.audit.record({
      actor: command.issued_by,
      action: 'webhook.replay',
      outcome: 'success',
      target: key.slice(0, 256),
      details: { command_id: command.id, events: counts.events, metrics: counts.metrics },
    });
    this.logger.log(`replayed ${key} for ${command.issued_by}: ${counts.events} event(s)`);
    return 'replayed';
  }
}
