import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { DeliveryAttemptDto } from '@airis/contracts';
import { KafkaProducer } from '@airis/kafka';
import { counter, histogram } from '@airis/observability';
import { classifyError } from '@airis/resilience';
import { AuditLog, SecretBox } from '@airis/security';
import CircuitBreaker from 'opossum';
import { SmtpFailure, sendEmail } from '../channels/email.sender';
import { HttpSender, ssrfRefusal } from '../http/http-sender';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../notifier.config';
import { ReceiverRegistry } from '../receiver.registry';
import { AttemptLog } from './attempt-log';
import { type DeliveryDoc, DeliveryStore } from './delivery.store';
import { EndpointStates } from './endpoint-states';
import { type Prepared, prepareRequest } from './prepare-request';
import { RateSlots } from './rate-slots';
import { type Verdict, classifyResponse, nextDelay } from './retry-policy';

type AttemptVerdict = Verdict | { kind: 'refused'; reason: string; address: string };

interface AttemptResult {
  verdict: AttemptVerdict;
  status?: number;
  latencyMs?: number;
  snippet?: string;
}

/** Thrown inside the breaker so opossum counts retryable failures; carries the result. */
class CountedFailure extends Error {
  constructor(readonly result: AttemptResult) {
    super(result.verdict.kind === 'retry' ? result.verdict.reason : result.verdict.kind);
  }
}

const attemptsTotal = counter('airis_notifier_attempts_total', 'Delivery attempts by channel and outcome', [
  'channel',
  'outcome',
]);
const e2eSeconds = histogram('airis_notifier_delivery_seconds', 'Kafka append to delivered, seconds', ['channel']);

/** What one attempt came to, before anything is written about it. */
export type AttemptOutcome =
  /** Not an attempt (rate slot taken, breaker open): pending again, due at `at`. */
  | { kind: 'release'; at: Date }
  /** An attempt: the delivery's new fields, its log record, and its next due time if still pending. */
  | { kind: 'done'; set: Partial<DeliveryDoc>; record: DeliveryAttemptDto; next: Date | undefined };

/**
 * One attempt of one delivery: build the request from the live configuration, honour
 * the endpoint's state (disabled, rate slot, circuit breaker), send, then record the attempt
 * (MongoDB delivery log + `airis.deliveries.v1`) and move the delivery to delivered, its next
 * retry, or the dead letter.
 */
@Injectable()
export class SendDeliveryUseCase implements OnApplicationShutdown {
  private readonly logger = new Logger(SendDeliveryUseCase.name);
  private readonly breakers = new Map<string, CircuitBreaker<[Prepared], AttemptResult>>();
  private readonly slots: RateSlots;
  readonly http: HttpSender;
  private readonly log: AttemptLog;

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly store: DeliveryStore,
    private readonly registry: ReceiverRegistry,
    private readonly box: SecretBox,
    private readonly producer: KafkaProducer,
    private readonly audit: AuditLog,
    private readonly endpoints: EndpointStates,
  ) {
    this.log = new AttemptLog(store, producer, this.logger);
    this.slots = new RateSlots(() => store.rateSlots);
    this.http = new HttpSender({ timeoutMs: config.httpTimeoutMs, baseAllow: config.ssrfAllow });
    registry.onReceiverChanged = (id) => {
      for (const key of [...this.breakers.keys()]) if (key.startsWith(`${id}/`)) this.breakers.delete(key);
      endpoints.reset(id).catch((e: unknown) => this.logger.warn(`endpoint reset failed: ${(e as Error).message}`));
    };
  }

  /** Writes the attempts still lingering in the batched delivery log. */
  async flushLog(): Promise<void> {
    await this.log.flush();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.log.flush();
    for (const b of this.breakers.values()) b.shutdown();
    await this.http.close();
  }

  /**
   * One attempt of a claimed (stored, leased) delivery, its outcome written to it; resolves
   * with the delivery's next due time when it stays pending.
   */
  async run(doc: DeliveryDoc): Promise<Date | undefined> {
    const outcome = await this.attempt(doc);
    if (outcome.kind === 'release') {
      await this.store.setDelivery(
        doc._id,
        { next_attempt_at: outcome.at, lease_owner: null, updated_at: new Date() },
        true,
      );
      return outcome.at;
    }
    await this.store.setDelivery(doc._id, outcome.set);
    this.log.add(doc._id, outcome.record);
    return outcome.next;
  }

  /**
   * Queues an attempt for the delivery log (MongoDB + `airis.deliveries.v1`, batched);
   * `stored`: stored with its batch already, published only.
   */
  logAttempt(deliveryId: string, record: DeliveryAttemptDto, stored = false): void {
    this.log.add(deliveryId, record, stored);
  }

  /**
   * One attempt, with its side effects on endpoint state, breakers, metrics and audit, but
   * without writing the delivery or its log record: the caller stores them.
   */
  async attempt(doc: DeliveryDoc): Promise<AttemptOutcome> {
    const now = new Date();
    let prepared: Prepared;
    try {
      prepared = prepareRequest(doc, this.registry, this.box, {
        dashboardUrl: this.config.dashboardUrl,
        slackMinIntervalMs: this.config.slackMinIntervalMs,
        now,
      });
    } catch (error) {
      const c = classifyError(error);
      return this.finish(doc, undefined, { verdict: { kind: 'rejected', reason: `${c.code}: ${c.message}` } });
    }
    if (await this.endpoints.isDisabled(prepared.endpoint)) {
      return this.finish(doc, prepared, { verdict: { kind: 'rejected', reason: 'endpoint_disabled' } });
    }
    if (prepared.minIntervalMs > 0) {
      const later = await this.slots.take(prepared.endpoint, prepared.minIntervalMs, now.getTime());
      if (later !== undefined) return { kind: 'release', at: new Date(later) };
    }
    const breaker = this.breaker(prepared.endpoint);
    let result: AttemptResult;
    try {
      result = await breaker.fire(prepared);
    } catch (error) {
      if (error instanceof CountedFailure) result = error.result;
      else if ((error as { code?: string }).code === 'EOPENBREAKER') {
        // Not an attempt: the endpoint is known to be failing; try again when the breaker half-opens.
        return { kind: 'release', at: new Date(Date.now() + Math.max(100, this.config.breakerResetMs / 2)) };
      } else result = { verdict: { kind: 'retry', reason: (error as Error).message } };
    }
    if (prepared.minIntervalMs > 0) {
      // The gap counts from the end of this send, so messages arrive at most once per interval.
      this.slots.sent(prepared.endpoint, prepared.minIntervalMs);
    }
    return this.finish(doc, prepared, result);
  }

  private breaker(endpoint: string): CircuitBreaker<[Prepared], AttemptResult> {
    let b = this.breakers.get(endpoint);
    if (!b) {
      b = new CircuitBreaker((p: Prepared) => this.execute(p), {
        timeout: false,
        resetTimeout: this.config.breakerResetMs,
        errorThresholdPercentage: 50,
        volumeThreshold: 5,
        rollingCountTimeout: 60_000,
        name: endpoint,
      });
      this.breakers.set(endpoint, b);
    }
    return b;
  }

  /** The send itself; retryable failures throw (the breaker counts them), the rest return. */
  private async execute(p: Prepared): Promise<AttemptResult> {
    const started = performance.now();
    if (p.kind === 'email') {
      try {
        const info = await sendEmail(
          p.channel,
          p.password,
          p.message,
          this.http.guardFor(p.allow),
          this.config.httpTimeoutMs,
        );
        if (info.accepted.length === 0) {
          return {
            verdict: { kind: 'rejected', reason: `no recipient accepted: ${info.response}` },
            snippet: info.response,
          };
        }
        return { verdict: { kind: 'delivered' }, snippet: info.response, latencyMs: performance.now() - started };
      } catch (error) {
        const refused = ssrfRefusal(error);
        if (refused) return { verdict: { kind: 'refused', reason: refused.reason, address: refused.address } };
        const code = error instanceof SmtpFailure ? error.responseCode : undefined;
        const reason = (error as Error).message;
        if (code !== undefined && code >= 500) return { verdict: { kind: 'rejected', reason }, status: code };
        const c = classifyError(error);
        if (c.errorClass === 'PERMANENT') return { verdict: { kind: 'rejected', reason: `${c.code}: ${c.message}` } };
        throw new CountedFailure({ verdict: { kind: 'retry', reason }, ...(code ? { status: code } : {}) });
      }
    }
    let res;
    try {
      res = await this.http.post(p.request, p.allow);
    } catch (error) {
      const refused = ssrfRefusal(error);
      if (refused) return { verdict: { kind: 'refused', reason: refused.reason, address: refused.address } };
      throw new CountedFailure({
        verdict: { kind: 'retry', reason: (error as Error).message || String(error) },
        latencyMs: performance.now() - started,
      });
    }
    const verdict = classifyResponse(res);
    const result: AttemptResult = {
      verdict,
      status: res.status,
      latencyMs: res.latencyMs,
      snippet: res.body.slice(0, 2048),
    };
    if (verdict.kind === 'retry') throw new CountedFailure(result);
    return result;
  }

  private schedule(doc: DeliveryDoc): readonly number[] {
    if (doc.channel === 'subscription') return this.config.retryScheduleMs;
    return this.registry.receiver(doc.receiver)?.spec.retry_schedule_ms ?? this.config.retryScheduleMs;
  }

  private async finish(doc: DeliveryDoc, p: Prepared | undefined, result: AttemptResult): Promise<AttemptOutcome> {
    const now = new Date();
    const attempt = doc.attempts + 1;
    const v = result.verdict;
    let outcome: DeliveryAttemptDto['outcome'];
    let error: string | undefined;
    const set: Partial<DeliveryDoc> = { attempts: attempt, updated_at: now, lease_owner: null };
    if (result.status !== undefined) set.last_http_status = result.status;
    switch (v.kind) {
      case 'delivered':
        outcome = 'delivered';
        Object.assign(set, { status: 'delivered', delivered_at: now });
        e2eSeconds.observe({ channel: doc.channel }, (now.getTime() - doc.enqueued_at.getTime()) / 1000);
        if (p) await this.endpoints.succeeded(p.endpoint);
        break;
      case 'refused':
        outcome = 'refused';
        error = `SSRF guard: ${v.address} is ${v.reason}`;
        Object.assign(set, { status: 'dead', dead_at: now, dead_reason: 'ssrf_refused' });
        this.audit.recordInBackground({
          actor: 'notifier',
          action: 'outbound.ssrf_refused',
          outcome: 'denied',
          target: p?.target ?? doc.receiver,
          reason: `${v.address}: ${v.reason}`,
          details: { delivery_id: doc._id, receiver: doc.receiver, channel: doc.channel, address: v.address },
        });
        break;
      case 'rejected':
        outcome = 'dead_lettered';
        error = v.reason;
        Object.assign(set, { status: 'dead', dead_at: now, dead_reason: v.reason });
        break;
      case 'gone':
        outcome = 'dead_lettered';
        error = v.reason;
        Object.assign(set, { status: 'dead', dead_at: now, dead_reason: 'endpoint_gone' });
        if (p) await this.endpoints.disable(p.endpoint, p.receiver, doc.channel, 'endpoint answered 410 Gone');
        break;
      case 'retry': {
        error = v.reason;
        const delay = nextDelay(attempt, this.schedule(doc), v.retryAfterMs, this.config.maxRetryAfterMs);
        if (delay === undefined) {
          outcome = 'dead_lettered';
          error = `retries exhausted: ${v.reason}`;
          Object.assign(set, { status: 'dead', dead_at: now, dead_reason: error });
        } else {
          outcome = 'retry_scheduled';
          set.next_attempt_at = new Date(now.getTime() + delay);
        }
        if (p) await this.endpoints.failed(p.endpoint, p.receiver, doc.channel, v.reason);
        break;
      }
    }
    if (error) set.last_error = error.slice(0, 2048);
    attemptsTotal.inc({ channel: doc.channel, outcome });
    if (outcome !== 'delivered') {
      this.logger.warn(`delivery ${doc._id} attempt ${attempt}: ${outcome}${error ? ` (${error})` : ''}`);
    }
    const record: DeliveryAttemptDto = {
      id: randomUUID(),
      notification_id: doc.notification_id,
      channel: doc.channel,
      target: (p?.target ?? doc.receiver).slice(0, 256),
      outcome,
      attempt,
      ...(result.status !== undefined ? { http_status: result.status } : {}),
      ...(result.latencyMs !== undefined ? { latency_ms: Math.round(result.latencyMs * 100) / 100 } : {}),
      ...(result.snippet ? { response_snippet: result.snippet.slice(0, 2048) } : {}),
      ...(error ? { error: error.slice(0, 2048) } : {}),
      timestamp: now.getTime(),
    };
    return { kind: 'done', set, record, next: set.status === undefined ? set.next_attempt_at : undefined };
  }
}
