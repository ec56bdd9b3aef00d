import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { HealthMonitorConfig } from './health-monitor.config';
import {
  ALERTS,
  type AlertDoc,
  DELIVERIES,
  type DeliveryDoc,
  OUTBOX,
  type OutboxDoc,
  SAMPLES,
  type SampleDoc,
  TRANSITIONS,
  type TransitionDoc,
} from './health.schemas';

/**
 * Deletes history past its `expiresAt` (samples, status changes, published events, resolved
 * alerts, delivery attempts) on an interval. Unpublished events are kept until published.
 */
@Injectable()
export class HistorySweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HistorySweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<Record<string, number>> | undefined;

  constructor(
    @InjectModel(SAMPLES) private readonly samples: Model<SampleDoc>,
    @InjectModel(TRANSITIONS) private readonly transitions: Model<TransitionDoc>,
    @InjectModel(OUTBOX) private readonly outbox: Model<OutboxDoc>,
    @InjectModel(ALERTS) private readonly alerts: Model<AlertDoc>,
    @InjectModel(DELIVERIES) private readonly deliveries: Model<DeliveryDoc>,
    private readonly config: HealthMonitorConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep().catch(() => undefined), this.config.HEALTH_SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }

  /** Returns how many documents each collection lost. */
  sweep(now = new Date()): Promise<Record<string, number>> {
    this.sweeping ??= (async () => {
      const expired = { expiresAt: { $lt: now } };
      const counts = {
        samples: (await this.samples.deleteMany(expired)).deletedCount,
        transitions: (await this.transitions.deleteMany(expired)).deletedCount,
        events: (await this.outbox.deleteMany({ ...expired, published: true })).deletedCount,
        alerts: (await this.alerts.deleteMany(expired)).deletedCount,
        deliveries: (await this.deliveries.deleteMany(expired)).deletedCount,
      };
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      if (total > 0) this.logger.log(`swept ${JSON.stringify(counts)}`);
      return counts;
    })()
      .catch((error: unknown) => {
        this.logger.warn(`sweep failed, retried next interval: ${(error as Error).message}`);
        throw error;
      })
      .finally(() => {
        this.sweeping = undefined;
      });
    return this.sweeping;
  }
}
