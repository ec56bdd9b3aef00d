import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DeliveryStore } from './delivery.store';

const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * Deletes expired delivery-log documents and claim leases (`expiresAt`; FerretDB has no TTL monitor,
 * DESIGN.md §4), and stored marks below their partition's highest.
 */
@Injectable()
export class AttemptSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AttemptSweeper.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: DeliveryStore) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweep().catch((e: unknown) => this.logger.warn(`sweep failed: ${(e as Error).message}`));
    }, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweep(now = new Date()): Promise<number> {
    const [attempts, leases, marks] = await Promise.all([
      this.store.log.deleteMany({ expiresAt: { $lt: now } }),
      this.store.leases.deleteMany({ expiresAt: { $lt: now } }),
      this.store.pruneMarks(),
    ]);
    return attempts.deletedCount + leases.deletedCount + marks;
  }
}
