import { Injectable, Logger } from '@nestjs/common';
import type { CommandDto } from '@airis/contracts';
import { counter } from '@airis/observability';
import { AppError } from '@airis/resilience';
import { AuditLog } from '@airis/security';
import type { Filter } from 'mongodb';
import { DeliveryDispatcher } from './delivery.dispatcher';
import { insertUnique } from '@airis/persistence';
import { type DeliveryDoc, DeliveryStore } from './delivery.store';

const replayed = counter('airis_notifier_replayed_total', 'Dead-lettered deliveries sent again by command', []);

/** What a `replay-delivery` command selects; at least one criterion is required. */
export interface ReplayParams {
  delivery_id?: string;
  notification_id?: string;
  alert_id?: string;
  receiver?: string;
  /** Dead-lettered at or after / before, ms since epoch. */
  from?: number;
  to?: number;
}

/** Turns the command's params into a MongoDB filter, or says what is wrong with them. */
export function replayFilter(params: Record<string, unknown> | undefined): Filter<DeliveryDoc> | string {
  const p = params ?? {};
  const filter: Filter<DeliveryDoc> = {};
  const str = (k: string): string | undefined | null => {
    const v = p[k];
    if (v === undefined) return undefined;
    return typeof v === 'string' && v.length > 0 && v.length <= 1024 ? v : null;
  };
  const num = (k: string): number | undefined | null => {
    const v = p[k];
    if (v === undefined) return undefined;
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
  };
  const fields = {
    delivery_id: str('delivery_id'),
    notification_id: str('notification_id'),
    alert_id: str('alert_id'),
    receiver: str('receiver'),
    from: num('from'),
    to: num('to'),
  };
  const bad = Object.entries(fields)
    .filter(([, v]) => v === null)
    .map(([k]) => k);
  if (bad.length > 0) return `invalid params: ${bad.join(', ')}`;
  if (fields.delivery_id) filter._id = fields.delivery_id;
  if (fields.notification_id) filter.notification_id = fields.notification_id;
  if (fields.alert_id) filter.alert_ids = fields.alert_id;
  if (fields.receiver) filter.receiver = fields.receiver;
  if (fields.from !== undefined || fields.to !== undefined) {
    filter.dead_at = {
      ...(fields.from !== undefined && fields.from !== null ? { $gte: new Date(fields.from) } : {}),
      ...(fields.to !== undefined && fields.to !== null ? { $lt: new Date(fields.to) } : {}),
    };
  }
  if (Object.keys(filter).length === 0) {
    return 'give at least one of delivery_id, notification_id, alert_id, receiver, from, to';
  }
  return filter;
}

/**
 * `replay-delivery`: dead-lettered deliveries matching the command go back to pending with a
 * fresh retry schedule. Idempotent per command id (a redelivered command replays nothing twice).
 */
@Injectable()
export class ReplayUseCase {
  private readonly logger = new Logger(ReplayUseCase.name);

  constructor(
    private readonly store: DeliveryStore,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly audit: AuditLog,
  ) {}

  async execute(command: CommandDto): Promise<number> {
    const filter = replayFilter(command.params);
    if (typeof filter === 'string') throw AppError.permanent('invalid_command', filter);
    const first = await insertUnique(this.store.commands, {
      _id: command.id,
      action: command.action,
      at: new Date(),
      result: {},
    });
    if (!first) return 0;
    const count = await this.store.replay(filter);
    await this.store.commands.updateOne({ _id: command.id }, { $set: { result: { replayed: count } } });
    replayed.inc(count);
    this.logger.log(`command ${command.id} by ${command.issued_by}: ${count} delivery(ies) replayed`);
    await this.audit.record({
      actor: command.issued_by,
      action: 'delivery.replay',
      outcome: 'success',
      target: command.target,
      details: { command_id: command.id, params: command.params ?? {}, replayed: count },
    });
    if (count > 0) this.dispatcher.wake();
    return count;
  }
}
