import { Injectable } from '@nestjs/common';
import type { EventDto } from '@airis/contracts';
import { type ConsumedRecord, KafkaHandler } from '@airis/kafka';
import { Evaluator } from '../domain/evaluator';
import { PartitionOwnership } from './partition-ownership.service';

/** Thin: a validated event is matched against the event rules of its partition. */
@Injectable()
export class EventsConsumer {
  constructor(
    private readonly evaluator: Evaluator,
    private readonly ownership: PartitionOwnership,
  ) {}

  @KafkaHandler('events')
  async handle(record: ConsumedRecord<EventDto>): Promise<void> {
    const partitionKey = `events:${record.partition}`;
    await this.ownership.ensureOwned(partitionKey);
    this.evaluator.ingestEvent(record.value, partitionKey);
  }
}
