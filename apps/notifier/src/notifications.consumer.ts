import { Injectable } from '@nestjs/common';
import type { AlertDto, CommandDto, NotificationRequestDto } from '@airis/contracts';
import {
  type BatchContext,
  type ConsumedRecord,
  type DeferredBatchResult,
  KafkaBatchHandler,
  KafkaHandler,
} from '@airis/kafka';
import { EnqueueUseCase } from './delivery/enqueue.usecase';
import { ReplayUseCase } from './delivery/replay.usecase';

/**
 * `airis.notifications.v1`, a batch at a time: one delivery per receiver channel, tried once and
 * stored in its resulting state; the batch's offsets are committed once it is stored.
 */
@Injectable()
export class NotificationsConsumer {
  constructor(private readonly enqueue: EnqueueUseCase) {}

  @KafkaBatchHandler('notifications', { deferCommit: true })
  handle(records: ConsumedRecord<NotificationRequestDto>[], batch: BatchContext): Promise<DeferredBatchResult> {
    return this.enqueue.notifications(records, batch);
  }
}

/** `airis.alerts.v1`: alert changes for the outbound webhook subscriptions. */
@Injectable()
export class AlertsConsumer {
  constructor(private readonly enqueue: EnqueueUseCase) {}

  @KafkaBatchHandler('alerts', { deferCommit: true })
  handle(records: ConsumedRecord<AlertDto>[], batch: BatchContext): Promise<DeferredBatchResult> {
    return this.enqueue.alertChanges(records, batch);
  }
}

/** `airis.commands.v1`: the notifier's admin commands (`replay-delivery`); others are not ours. */
@Injectable()
export class CommandsConsumer {
  constructor(private readonly replay: ReplayUseCase) {}

  @KafkaHandler('commands')
  async handle(record: ConsumedRecord<CommandDto>): Promise<void> {
    if (record.value.action === 'replay-delivery') await this.replay.execute(record.value);
  }
}
