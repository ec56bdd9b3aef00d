import { Injectable, Logger } from '@nestjs/common';
import { counter, histogram } from '@airis/observability';
import { AuditLog } from '@airis/security';
import { DeliveryStore } from './deliveries/delivery.store';
import { WebhookPublisher } from './deliveries/webhook-publisher';
import { addressAllowed, clientAddress } from './http/client-address';
import { RateLimiter } from './http/rate-limiter';
import { PROVIDERS, PayloadError, type WebhookRequest, sha256Hex } from './providers';
import { SlackUpdates } from './slack/slack-updates';
import { SourceRegistry } from './sources/source-registry';

export interface IncomingWebhook {
  sourceId: string;
  headers: Record<string, string | undefined>;
  body: Buffer;
  peerAddress: string | undefined;
  now?: number;
}

export interface WebhookResponse {
  status: number;
  headers?: Record<string, string>;
  contentType: string;
  body: string;
}

const DEFAULT_RATE_PER_MINUTE = 600;

const deliveries = counter('airis_webhook_requests_total', 'Inbound webhook requests by outcome', [
  'provider',
  'outcome',
]);
const seconds = histogram('airis_webhook_request_duration_seconds', 'Time to answer a webhook', ['provider']);

function json(status: number, body: unknown, headers?: Record<string, string>): WebhookResponse {
  return { status, contentType: 'application/json', body: JSON.stringify(body), ...(headers ? { headers } : {}) };
}

/** Same answer for an unknown, disabled or address-refused source: nothing tells them apart. */
const NOT_FOUND = (): WebhookResponse => json(404, { error: 'not_found', message: 'unknown webhook source' });

/**
 * One inbound delivery, start to end: source lookup, client address, rate limit, provider
 * verification on the raw body, normalisation, delivery-id dedup, publication (answered only
 * after Kafka acked), payload kept for replay.
 */
@Injectable()
export class ReceiveWebhookUseCase {
  private readonly logger = new Logger(ReceiveWebhookUseCase.name);

  constructor(
    private readonly sources: SourceRegistry,
    private readonly limiter: RateLimiter,
    private readonly store: DeliveryStore,
    private readonly publisher: WebhookPublisher,
    private readonly slack: SlackUpdates,
    private readonly audit: AuditLog,
  ) {}

  async receive(input: IncomingWebhook): Promise<WebhookResponse> {
    const started = process.hrtime.bigint();
    const source = this.sources.get(input.sourceId);
    if (!source || source.spec.enabled === false) {
      deliveries.inc({ provider: 'unknown', outcome: 'not_found' });
      return NOT_FOUND();
    }
    const provider = source.spec.provider;
    try {
      return await this.handle(input, source.id);
    } finally {
      seconds.observe({ provider }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private async handle(input: IncomingWebhook, sourceId: string): Promise<WebhookResponse> {
    const source = this.sources.get(sourceId);
    if (!source) return NOT_FOUND();
    const provider = source.spec.provider;
    const now = input.now ?? Date.now();
    const outcome = (name: string): void => deliveries.inc({ provider, outcome: name });
    const actor = `webhook-source:${source.id}`;

    const address = clientAddress(source, input.peerAddress, input.headers);
    if (!addressAllowed(source, address)) {
      outcome('address_refused');
      this.audit.recordInBackground({
        actor,
        action: 'webhook.receive',
        outcome: 'denied',
        target: `webhook-source/${source.id}`,
        reason: 'client address not in allowed_cidrs',
        source_ip: address.slice(0, 64),
      });
      return NOT_FOUND();
    }

    const wait = this.limiter.take(source.id, source.spec.rate_limit_per_minute ?? DEFAULT_RATE_PER_MINUTE, now);
    if (wait > 0) {
      outcome('rate_limited');
      return json(
        429,
        { error: 'rate_limited', message: 'too many deliveries for this source' },
        {
          'retry-after': String(wait),
        },
      );
    }
    if (source.spec.max_body_bytes !== undefined && input.body.length > source.spec.max_body_bytes) {
      outcome('too_large');
      return json(413, { error: 'payload_too_large', message: `body exceeds ${source.spec.max_body_bytes} bytes` });
    }

    const handler = PROVIDERS[provider];
    const request: WebhookRequest = {
      sourceId: source.id,
      spec: source.spec,
      secrets: source.secrets,
      signingSecrets: source.signingSecrets,
      headers: input.headers,
      body: input.body,
      now,
    };
    const verification = await handler.verify(request);
    if (!verification.ok) {
      outcome('unauthorized');
      this.audit.recordInBackground({
        actor,
        action: 'webhook.verify',
        outcome: 'denied',
        target: `webhook-source/${source.id}`,
        reason: verification.reason.slice(0, 1024),
        source_ip: address.slice(0, 64),
        details: { provider },
      });
      return json(401, { error: 'unauthorized', message: 'webhook verification failed' });
    }

    let normalized;
    try {
      normalized = handler.normalize(request);
    } catch (error) {
      if (error instanceof PayloadError) {
        outcome('invalid_payload');
        return json(400, {
          error: 'invalid_payload',
          message: error.message,
          errors: [{ field: error.field, messages: [error.message] }],
        });
      }
      throw error;
    }

    const deliveryId = verification.deliveryId ?? sha256Hex(input.body);
    const claim = await this.store.claim({
      sourceId: source.id,
      provider,
      deliveryId,
      headers: input.headers,
      body: input.body,
      now,
    });
    if (claim.status === 'duplicate') {
      outcome('duplicate');
      return this.reply(normalized.reply, { status: 'duplicate', delivery_id: deliveryId });
    }
    if (claim.status === 'in_progress') {
      outcome('in_progress');
      return json(409, { error: 'in_progress', message: 'this delivery is being processed' }, { 'retry-after': '5' });
    }

    let counts;
    try {
      // Pending Slack updates are stored before the command leaves, so an acknowledgement
      // applied at once still finds them.
      await this.slack.remember(normalized.slackUpdates, now);
      counts = await this.publisher.publish(normalized, `${source.id}/${deliveryId}`, {
        sourceId: source.id,
        now,
        withCommands: true,
      });
    } catch (error) {
      await this.store.release(claim.claim).catch(() => undefined);
      if (error instanceof PayloadError) {
        outcome('invalid_payload');
        return json(400, {
          error: 'invalid_payload',
          message: error.message,
          errors: [{ field: error.field, messages: [error.message] }],
        });
      }
      outcome('unavailable');
      this.logger.warn(`delivery ${source.id}/${deliveryId} not published: ${(error as Error).message}`);
      return json(
        503,
        { error: 'unavailable', message: 'could not store the delivery, retry later' },
        {
          'retry-after': '5',
        },
      );
    }
    try {
      await this.store.accept(claim.claim);
    } catch (error) {
      // Published already: the ids are stable, so a reprocessed retry is deduplicated downstream.
      this.logger.warn(`delivery ${source.id}/${deliveryId} published but not marked: ${(error as Error).message}`);
    }
    outcome('accepted');
    return this.reply(normalized.reply, { status: 'accepted', delivery_id: deliveryId, ...counts });
  }

  private reply(
    custom: { contentType: string; body: string } | undefined,
    body: Record<string, unknown>,
  ): WebhookResponse {
    return custom ? { status: 200, contentType: custom.contentType, body: custom.body } : json(200, body);
  }
}
