import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DeliveryDispatcher } from './delivery.dispatcher';
import { DeliveryStore } from './delivery.store';

const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * Deletes expired delivery-log documents, claim leases and rate-slot claims (`expiresAt`; FerretDB has no TTL
 * monitor, DESIGN.md §4), and stored marks below their partition's highest — after storing the
 * deliveries the highest ones still hold (a crash between a mark and its held deliveries; also
 * at start, see `DeliveryStore.storeAllHeld`).
 */
@Injectable()
export class AttemptSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AttemptSweeper.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: DeliveryStore,
    private readonly dispatcher: DeliveryDispatcher,
  ) {}

  onApplicationBootstrap(): void {
    this.recoverHeld().catch((e: unknown) => this.logger.warn(`held deliveries not stored: ${(e as Error).message}`));
    this.timer = setInterval(() => {
      this.sweep().catch((e: unknown) => this.logger.warn(`sweep failed: ${(e as Error).message}`));
    }, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweep(now = new Date()): Promise<number> {
    await this.recoverHeld();
    const [log, leases, slots, marks] = await Promise.all([
      this.store.log.deleteMany({ expiresAt: { $lt: now } }),
      this.store.leases.deleteMany({ expiresAt: { $lt: now } }),
      this.store.rateSlots.deleteMany({ expiresAt: { $lt: now } }),
      this.store.pruneMarks(),
    ]);
    return log.deletedCount + leases.deletedCount + slots.deletedCount + marks;
  }

  private async recoverHeld(): Promise<void> {
    const recovered = await this.store.storeAllHeld();
    if (recovered.length === 0) return;
    this.logger.warn(`${recovered.length} held deliveries stored from their marks (a crash between the two)`);
    for (const d of recovered) if (d.status === 'pending') this.dispatcher.noteDue(d.next_attempt_at);
  }
}
