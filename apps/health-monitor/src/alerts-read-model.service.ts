import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { AlertDto } from '@airis/contracts';
import type { Model } from 'mongoose';
import { HealthMonitorConfig } from './health-monitor.config';
import { ALERTS, type AlertDoc } from './health.schemas';

const OPEN = ['pending', 'firing', 'acknowledged'] as const;

export type OpenAlert = Omit<AlertDoc, '_id' | 'expiresAt'>;

/**
 * Latest state of every alert from airis.alerts.v1 (keyed by fingerprint, so a fingerprint's
 * changes arrive in order). A state never moves back in time: an update older than what is
 * stored is ignored, and a redelivered one writes the same values again. Resolved alerts expire.
 */
@Injectable()
export class AlertsReadModel {
  readonly changes = new EventEmitter();

  constructor(
    @InjectModel(ALERTS) private readonly alerts: Model<AlertDoc>,
    private readonly config: HealthMonitorConfig,
  ) {}

  async apply(alert: AlertDto): Promise<void> {
    const expiresAt =
      alert.status === 'resolved' ? new Date(alert.updated_at + this.config.HEALTH_HISTORY_RETENTION_MS) : null;
    try {
      await this.alerts.updateOne(
        { _id: alert.fingerprint, updated_at: { $lte: alert.updated_at } },
        { $set: { ...alert, expiresAt } },
        { upsert: true },
      );
    } catch (error) {
      // A newer state is stored: the filter missed and the upsert hit the existing _id.
      if ((error as { code?: number }).code !== 11000) throw error;
      return;
    }
    this.changes.emit('changed');
  }

  async open(limit = 50): Promise<OpenAlert[]> {
    const docs = await this.alerts
      .find({ status: { $in: [...OPEN] } })
      .sort({ updated_at: -1 })
      .limit(limit)
      .lean()
      .exec();
    return docs.map(({ _id, expiresAt: _expires, ...alert }) => alert);
  }
}
