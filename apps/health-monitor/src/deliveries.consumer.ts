import { Injectable } from '@nestjs/common';
import type { DeliveryAttemptDto } from '@airis/contracts';
import { type ConsumedRecord, KafkaHandler } from '@airis/kafka';
import { DeliveriesReadModel } from './deliveries-read-model.service';

/** airis.deliveries.v1: recent deliveries and the failed-delivery rate per channel. */
@Injectable()
export class DeliveriesConsumer {
  constructor(private readonly deliveries: DeliveriesReadModel) {}

  @KafkaHandler('deliveries')
  handle(record: ConsumedRecord<DeliveryAttemptDto>): Promise<void> {
    return this.deliveries.apply(record.value);
  }
}
