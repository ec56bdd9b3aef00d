import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { AlertsReadModel, type OpenAlert } from './alerts-read-model.service';
import { DeliveriesReadModel, type RecentDelivery } from './deliveries-read-model.service';
import type { ChannelRate } from './domain/delivery-rate';
import type { Series } from './domain/figures';
import { HealthMonitorConfig } from './health-monitor.config';
import { type HealthReport, HealthTracker } from './health-tracker.service';

/** Everything the dashboard shows, in one document (GET /api/v1/health/dashboard and the stream). */
export interface DashboardSnapshot {
  report: HealthReport;
  sparklines: Record<string, Series>;
  alerts: OpenAlert[];
  deliveries: { recent: RecentDelivery[]; channels: ChannelRate[]; window_ms: number };
  settings: { missed_intervals: number; evaluate_interval_ms: number };
}

type Listener = (snapshot: DashboardSnapshot) => void;

/** Longest time between two pushes: figures such as "silent for" age even when nothing happens. */
const MAX_QUIET_MS = 5000;

/**
 * Builds dashboard snapshots and pushes them to subscribers (server-sent events) when anything
 * changes, at most once per HEALTH_STREAM_THROTTLE_MS and at least every 5 s.
 */
@Injectable()
export class DashboardFeed implements OnModuleDestroy {
  private readonly listeners = new Set<Listener>();
  private readonly closers = new Set<() => void>();
  private scheduled: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private lastPush = 0;
  private readonly onChange = (): void => this.schedule();

  constructor(
    private readonly tracker: HealthTracker,
    private readonly alerts: AlertsReadModel,
    private readonly deliveries: DeliveriesReadModel,
    private readonly config: HealthMonitorConfig,
  ) {}

  async snapshot(now = Date.now()): Promise<DashboardSnapshot> {
    const [alerts, recent] = await Promise.all([this.alerts.open(), this.deliveries.recent()]);
    return {
      report: this.tracker.report(now),
      sparklines: this.tracker.sparklines(now),
      alerts,
      deliveries: { recent, channels: this.deliveries.rates(now), window_ms: this.config.HEALTH_DELIVERY_WINDOW_MS },
      settings: {
        missed_intervals: this.config.HEALTH_MISSED_INTERVALS,
        evaluate_interval_ms: this.config.HEALTH_EVALUATE_INTERVAL_MS,
      },
    };
  }

  /**
   * Calls `listener` with a snapshot now and on every change. `close` is called when the
   * application shuts down (so open streams end and the server can stop).
   */
  subscribe(listener: Listener, close: () => void): () => void {
    if (this.listeners.size === 0) {
      this.tracker.changes.on('changed', this.onChange);
      this.alerts.changes.on('changed', this.onChange);
      this.deliveries.changes.on('changed', this.onChange);
      this.keepAlive = setInterval(() => this.schedule(), MAX_QUIET_MS);
      this.keepAlive.unref();
    }
    this.listeners.add(listener);
    this.closers.add(close);
    void this.snapshot().then(
      (s) => this.listeners.has(listener) && listener(s),
      () => undefined,
    );
    return () => {
      this.listeners.delete(listener);
      this.closers.delete(close);
      if (this.listeners.size === 0) this.stop();
    };
  }

  onModuleDestroy(): void {
    for (const close of [...this.closers]) close();
    this.listeners.clear();
    this.closers.clear();
    this.stop();
  }

  private stop(): void {
    this.tracker.changes.off('changed', this.onChange);
    this.alerts.changes.off('changed', this.onChange);
    this.deliveries.changes.off('changed', this.onChange);
    clearInterval(this.keepAlive);
    clearTimeout(this.scheduled);
    this.scheduled = undefined;
  }

  private schedule(): void {
    if (this.scheduled || this.listeners.size === 0) return;
    const wait = Math.max(0, this.lastPush + this.config.HEALTH_STREAM_THROTTLE_MS - Date.now());
    this.scheduled = setTimeout(() => void this.push(), wait);
    this.scheduled.unref();
  }

  private async push(): Promise<void> {
    this.lastPush = Date.now();
    this.scheduled = undefined; // a change from here on schedules the next push
    try {
      const snapshot = await this.snapshot();
      for (const listener of this.listeners) listener(snapshot);
    } catch {
      // MongoDB away for a moment: the next change or keep-alive pushes again.
    }
  }
}
