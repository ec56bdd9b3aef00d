import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ReadinessRegistry, gauge } from '@airis/observability';
import { sleep } from '@airis/resilience';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../notifier.config';
import { DeliveryStore } from './delivery.store';
import type { SendDeliveryUseCase } from './send-delivery.usecase';

const inFlight = gauge('airis_notifier_in_flight', 'Deliveries being sent by this instance', []);

/**
 * The scheduler: NOTIFIER_WORKERS loops that each claim the most overdue pending delivery
 * (an atomic lease in MongoDB, so replicas never take the same one and a crashed instance's
 * claims come back after NOTIFIER_LEASE_MS), send it, and claim the next. Idle workers sleep
 * until new deliveries arrive or the poll interval passes.
 */
@Injectable()
export class DeliveryDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryDispatcher.name);
  readonly owner: string;
  private readonly stopping = new AbortController();
  private wakeUp = new AbortController();
  private workers: Promise<void>[] = [];
  private sender: SendDeliveryUseCase | undefined;
  private active = 0;
  /** Deliveries this process is working on (claims skip them). */
  private readonly busy = new Set<string>();

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
      Promise.resolve({ up: !this.stopping.signal.aborted, detail: `${this.active} in flight` }),
    );
    for (let i = 0; i < this.config.workers; i++) this.workers.push(this.loop(i === 0));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    this.wakeUp.abort();
    // In-flight sends finish (bounded by the HTTP timeout); unfinished claims return after the lease.
    await Promise.allSettled(this.workers);
  }

  /** New deliveries are due: idle workers look now. */
  wake(): void {
    const current = this.wakeUp;
    this.wakeUp = new AbortController();
    current.abort();
  }

  /**
   * Only the first worker polls on a timer (due retries); it wakes the others when it finds
   * work after being idle, so an idle notifier costs one query per poll interval.
   */
  private async loop(scout: boolean): Promise<void> {
    let idle = false;
    while (!this.stopping.signal.aborted) {
      const signal = this.wakeUp.signal;
      let worked = false;
      try {
        const doc = await this.store.claimDue(this.owner, this.config.leaseMs, this.busy);
        if (doc && this.sender) {
          worked = true;
          if (scout && idle) this.wake();
          this.active++;
          inFlight.set(this.active);
          try {
            await this.sender.run(doc);
          } finally {
            this.busy.delete(doc._id);
            this.active--;
            inFlight.set(this.active);
          }
        }
      } catch (error) {
        if (this.stopping.signal.aborted) break;
        this.logger.error(`delivery worker: ${(error as Error).message}`);
        await sleep(this.config.pollIntervalMs, this.stopping.signal);
        continue;
      }
      idle = !worked;
      if (!worked) await sleep(scout ? this.config.pollIntervalMs : 60_000, signal);
    }
  }
}
