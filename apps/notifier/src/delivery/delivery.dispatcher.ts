import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ReadinessRegistry, gauge } from '@airis/observability';
import { sleep } from '@airis/resilience';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../notifier.config';
import { type DeliveryDoc, DeliveryStore } from './delivery.store';
import type { SendDeliveryUseCase } from './send-delivery.usecase';

const inFlight = gauge('airis_notifier_in_flight', 'Deliveries being sent by this instance', []);
const queued = gauge('airis_notifier_queued', 'Leased deliveries waiting for a worker in this instance', []);

/** How many due deliveries one claim query fetches. */
const CLAIM_BATCH = 64;

/**
 * The scheduler of everything after a delivery's first try (which the consumer makes itself,
 * EnqueueUseCase). One claim loop per process fetches what is due in MongoDB (retries,
 * replays, rate-slot and breaker releases, and the leases of a crashed instance once they
 * expire) with one query per batch, leases each with a unique insert, and queues it for
 * NOTIFIER_WORKERS workers. A queued delivery whose lease has mostly run out is dropped rather
 * than sent: it is due again for any instance's claim loop, so no two instances send it at once.
 */
@Injectable()
export class DeliveryDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryDispatcher.name);
  readonly owner: string;
  private readonly stopping = new AbortController();
  private wakeUp = new AbortController();
  private loops: Promise<void>[] = [];
  private sender: SendDeliveryUseCase | undefined;
  private active = 0;
  private readonly queue: DeliveryDoc[] = [];
  private idleWorkers: (() => void)[] = [];
  /** Deliveries this process holds (queued or sending); claims skip them. */
  private readonly busy = new Set<string>();
  /** The earliest due time this process left in MongoDB and has not claimed yet. */
  private knownDue: number | undefined;
  private woken = true;

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly store: DeliveryStore,
    private readonly readiness: ReadinessRegistry,
  ) {
    this.owner = config.instanceId ?? `notifier-${randomUUID()}`;
  }

  /** Set by the module (the sender depends on the store and config only; no cycle). */
  attach(sender: SendDeliveryUseCase): void {
    this.sender = sender;
  }

  onApplicationBootstrap(): void {
    this.readiness.register('dispatcher', () =>
      Promise.resolve({
        up: !this.stopping.signal.aborted,
        detail: `${this.active} in flight, ${this.queue.length} queued`,
      }),
    );
    for (let i = 0; i < this.config.workers; i++) this.loops.push(this.worker());
    this.loops.push(this.claimer());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    this.wakeUp.abort();
    for (const resolve of this.idleWorkers.splice(0)) resolve();
    // In-flight sends finish (bounded by the HTTP timeout); queued ones keep their lease and
    // are claimed again when it expires.
    await Promise.allSettled(this.loops);
    await this.sender?.flushLog();
  }

  /** Whether this process holds the delivery (queued or sending). */
  holds(id: string): boolean {
    return this.busy.has(id);
  }

  /** Leased deliveries: queued for the workers. */
  submit(docs: DeliveryDoc[]): void {
    for (const doc of docs) {
      if (this.busy.has(doc._id)) continue;
      this.busy.add(doc._id);
      this.queue.push(doc);
      this.idleWorkers.shift()?.();
    }
    queued.set(this.queue.length);
  }

  /** Deliveries became due in MongoDB (replay): the claim loop looks now. */
  wake(): void {
    this.woken = true;
    const current = this.wakeUp;
    this.wakeUp = new AbortController();
    current.abort();
  }

  /** This process left a delivery due at `at` (a retry, a release): the claim loop looks then. */
  noteDue(at: Date): void {
    const t = at.getTime();
    if (this.knownDue !== undefined && this.knownDue <= t) return;
    this.knownDue = t;
    if (t - Date.now() < this.config.pollIntervalMs) this.wake();
  }

  private async worker(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const doc = this.queue.shift();
      if (!doc) {
        await new Promise<void>((resolve) => this.idleWorkers.push(resolve));
        continue;
      }
      queued.set(this.queue.length);
      // Send only with at least half the lease left; otherwise another claimant may take it.
      if (doc.next_attempt_at.getTime() - Date.now() < this.config.leaseMs / 2 || !this.sender) {
        this.busy.delete(doc._id);
        this.noteDue(doc.next_attempt_at);
        continue;
      }
      this.active++;
      inFlight.set(this.active);
      try {
        const next = await this.sender.run(doc);
        if (next) this.noteDue(next);
      } catch (error) {
        this.logger.error(`delivery ${doc._id}: ${(error as Error).message}`);
        this.noteDue(doc.next_attempt_at);
      } finally {
        this.busy.delete(doc._id);
        this.active--;
        inFlight.set(this.active);
      }
    }
  }

  /**
   * The claim query scans (FerretDB 1.24 pushes neither the range nor the sort down), so it
   * runs only when something is known to be due: a retry or release this process scheduled
   * (checked every poll interval), a replay (`wake`), and every quarter lease for what other
   * instances left behind (their retries, or their leases after a crash).
   */
  private async claimer(): Promise<void> {
    const sweepEvery = Math.max(this.config.pollIntervalMs, this.config.leaseMs / 4);
    let lastScan = 0;
    let more = true;
    while (!this.stopping.signal.aborted) {
      const signal = this.wakeUp.signal;
      const now = Date.now();
      const wanted =
        more || (this.knownDue !== undefined && this.knownDue <= now) || now - lastScan >= sweepEvery || this.woken;
      if (wanted && this.queue.length < this.config.workers) {
        this.woken = false;
        if (this.knownDue !== undefined && this.knownDue <= now) this.knownDue = undefined;
        lastScan = now;
        more = false;
        try {
          const due = (await this.store.fetchDue(CLAIM_BATCH)).filter((d) => !this.busy.has(d._id));
          more = due.length >= CLAIM_BATCH / 2;
          for (const d of due) this.busy.add(d._id);
          const leased = await Promise.all(
            due.map((d) =>
              this.store.takeLease(d, this.owner, this.config.leaseMs).catch((error: unknown) => {
                this.logger.warn(`claim of ${d._id} failed: ${(error as Error).message}`);
                return null;
              }),
            ),
          );
          due.forEach((d, i) => {
            const doc = leased[i];
            this.busy.delete(d._id);
            if (doc) this.submit([doc]);
          });
        } catch (error) {
          if (this.stopping.signal.aborted) break;
          this.logger.error(`claim loop: ${(error as Error).message}`);
        }
        if (more) continue;
      }
      await sleep(this.config.pollIntervalMs, signal);
    }
  }
}
