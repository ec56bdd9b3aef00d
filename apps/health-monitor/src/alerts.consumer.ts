import { Injectable } from '@nestjs/common';
import type { AlertDto } from '@airis/contracts';
import { type ConsumedRecord, KafkaHandler } from '@airis/kafka';
import { AlertsReadModel } from './alerts-read-model.service';

/** airis.alerts.v1: the open-alerts read model of the dashboard. */
@Injectable()
export class AlertsConsumer {
  constructor(private readonly alerts: AlertsReadModel) {}

  @KafkaHandler('alerts')
  handle(record: ConsumedRecord<AlertDto>): Promise<void> {
    return this.alerts.apply(record.value);
  }
}
