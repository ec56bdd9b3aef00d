import { Injectable } from '@nestjs/common';
import type { AlertDto, CommandDto, NotificationRequestDto } from '@airis/contracts';
import { type ConsumedRecord, KafkaHandler } from '@airis/kafka';
import { EnqueueUseCase } from './delivery/enqueue.usecase';
import { ReplayUseCase } from './delivery/replay.usecase';

/** `airis.notifications.v1`: store one delivery per receiver channel before the offset commits. */
@Injectable()
export class NotificationsConsumer {
  constructor(private readonly enqueue: EnqueueUseCase) {}

  @KafkaHandler('notifications')
  async handle(record: ConsumedRecord<NotificationRequestDto>): Promise<void> {
    await this.enqueue.notification(record.value, record.timestamp);
  }
}

/** `airis.alerts.v1`: alert changes for the outbound webhook subscriptions. */
@Injectable()
export class AlertsConsumer {
  constructor(private readonly enqueue: EnqueueUseCase) {}

  @KafkaHandler('alerts')
  async handle(record: ConsumedRecord<AlertDto>): Promise<void> {
    await this.enqueue.alertChange(record.value, record.envelope.id, record.timestamp);
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
