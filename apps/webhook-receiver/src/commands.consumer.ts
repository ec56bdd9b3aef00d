import { Injectable } from '@nestjs/common';
import type { CommandDto } from '@airis/contracts';
import { type ConsumedRecord, KafkaHandler } from '@airis/kafka';
import { REPLAY_ACTION, ReplayWebhookUseCase } from './replay-webhook.usecase';

/** airis.commands.v1: this service owns `replay-webhook`; other actions belong to other owners. */
@Injectable()
export class CommandsConsumer {
  constructor(private readonly replay: ReplayWebhookUseCase) {}

  @KafkaHandler('commands')
  async handle(record: ConsumedRecord<CommandDto>): Promise<void> {
    if (record.value.action !== REPLAY_ACTION) return;
    await this.replay.execute(record.value);
  }
}
