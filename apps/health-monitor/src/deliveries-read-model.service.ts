import { EventEmitter } from 'node:events';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { DeliveryAttemptDto } from '@airis/contracts';
import { createUnique } from '@airis/persistence';
import type { Model } from 'mongoose';
import { type ChannelRate, type DeliveryOutcome, deliveryRates } from './domain/delivery-rate';
import { EventOutbox } from './event-outbox.service';
import { HealthMonitorConfig } from './health-monitor.config';
import { DELIVERIES, type DeliveryDoc } from './health.schemas';

export type RecentDelivery = Omit<DeliveryDoc, '_id' | 'expiresAt'> & { id: string };

/**
 * Delivery attempts from airis.deliveries.v1: the recent-deliveries read model of the
 * dashboard, and the failed-delivery rate per channel over a sliding window, which raises
 * `delivery_failure_rate_high` / `delivery_failure_rate_recovered` events when it crosses the
 * threshold.
 */
@Injectable()
export class DeliveriesReadModel implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveriesReadModel.name);
  readonly changes = new EventEmitter();
  /** Attempts inside the window, for the rate. */
  private window: DeliveryOutcome[] = [];
  /** Channels whose failure rate is above the threshold. */
  private readonly high = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;

  constructor(
    @InjectModel(DELIVERIES) private readonly deliveries: Model<DeliveryDoc>,
    private readonly outbox: EventOutbox,
    private readonly config: HealthMonitorConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const from = Date.now() - this.config.HEALTH_DELIVERY_WINDOW_MS;
    const docs = await this.deliveries
      .find({ timestamp: { $gte: from } }, { channel: 1, outcome: 1, timestamp: 1 })
      .lean()
      .exec();
    this.window = docs.map((d) => ({ channel: d.channel, outcome: d.outcome, timestamp: d.timestamp }));
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.check(), this.config.HEALTH_EVALUATE_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
  }

  /**
   * Stores the attempt once (its id is the _id); a duplicate changes nothing. An insert, not an
   * upsert: FerretDB 1.24 scans the collection for an update's `_id` filter, which grows with the
   * history, while the unique `_id` of an insert is an index check.
   */
  async apply(attempt: DeliveryAttemptDto): Promise<void> {
    const { id, ...rest } = attempt;
    const stored = await createUnique(this.deliveries, {
      _id: id,
      ...rest,
      expiresAt: new Date(attempt.timestamp + this.config.HEALTH_HISTORY_RETENTION_MS),
    });
    if (!stored) return;
    if (attempt.timestamp >= Date.now() - this.config.HEALTH_DELIVERY_WINDOW_MS) {
      this.window.push({ channel: attempt.channel, outcome: attempt.outcome, timestamp: attempt.timestamp });
    }
    this.changes.emit('changed');
  }

  async recent(limit = 20): Promise<RecentDelivery[]> {
    const docs = await this.deliveries.find().sort({ timestamp: -1 }).limit(limit).lean().exec();
    return docs.map(({ _id, expiresAt: _expires, ...rest }) => ({ id: _id, ...rest }));
  }

  rates(now = Date.now()): ChannelRate[] {
    const from = now - this.config.HEALTH_DELIVERY_WINDOW_MS;
    this.window = this.window.filter((d) => d.timestamp >= from);
    return deliveryRates(this.window, {
      threshold: this.config.HEALTH_DELIVERY_FAILURE_THRESHOLD,
      minAttempts: this.config.HEALTH_DELIVERY_MIN_ATTEMPTS,
    });
  }

  /** Raises an event when a channel's failure rate crosses the threshold, either way. */
  check(now = Date.now()): Promise<void> {
    this.checking ??= this.raiseCrossings(now)
      .catch((error: unknown) => this.logger.warn(`delivery rate check failed: ${(error as Error).message}`))
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  private async raiseCrossings(now: number): Promise<void> {
    const rates = this.rates(now);
    const windowMin = Math.round(this.config.HEALTH_DELIVERY_WINDOW_MS / 60_000);
    for (const rate of rates) {
      const wasHigh = this.high.has(rate.channel);
      if (rate.high === wasHigh) continue;
      if (rate.high) this.high.add(rate.channel);
      else this.high.delete(rate.channel);
      const type = rate.high ? 'delivery_failure_rate_high' : 'delivery_failure_rate_recovered';
      await this.outbox.raise(`dr-${rate.channel}-${type}-${now}`.slice(0, 128), `delivery:${rate.channel}`, {
        timestamp: now,
        source: `delivery:${rate.channel}`,
        event_type: type,
        severity: rate.high ? 'error' : 'info',
        data: {
          channel: rate.channel,
          attempts: rate.attempts,
          failures: rate.failures,
          failure_rate: rate.failure_rate,
          threshold: this.config.HEALTH_DELIVERY_FAILURE_THRESHOLD,
          window_minutes: windowMin,
        },
      });
    }
    // A channel with no attempts left in the window has recovered by definition.
    for (const channel of [...this.high]) {
      if (rates.some((r) => r.channel === channel)) continue;
      this.high.delete(channel);
      await this.outbox.raise(`dr-${channel}-recovered-${now}`.slice(0, 128), `delivery:${channel}`, {
        timestamp: now,
        source: `delivery:${channel}`,
        event_type: 'delivery_failure_rate_recovered',
        severity: 'info',
        data: { channel, attempts: 0, failures: 0, failure_rate: 0, window_minutes: windowMin },
      });
    }
  }
}
