import { Injectable } from '@nestjs/common';
import type { AlertDto } from '@airis/contracts';
import { type ConsumedRecord, KafkaHandler } from '@airis/kafka';
import { SlackUpdates } from './slack/slack-updates';

/** airis.alerts.v1: an alert that became acknowledged finishes the Slack clicks waiting for it. */
@Injectable()
export class AlertsConsumer {
  constructor(private readonly slack: SlackUpdates) {}

  @KafkaHandler('alerts')
  async handle(record: ConsumedRecord<AlertDto>): Promise<void> {
    if (record.value.status !== 'acknowledged') return;
    await this.slack.onAcknowledged(record.value);
  }
}
