import { Injectable } from '@nestjs/common';
import type { HealthReportDto } from '@airis/contracts';
import { type ConsumedRecord, KafkaHandler } from '@airis/kafka';
import { HealthTracker } from './health-tracker.service';

/** airis.health.v1: heartbeats of services and check results of integrations. */
@Injectable()
export class HealthConsumer {
  constructor(private readonly tracker: HealthTracker) {}

  @KafkaHandler('health')
  handle(record: ConsumedRecord<HealthReportDto>): Promise<void> {
    return this.tracker.record(record.value, record.envelope.id, {
      partition: record.partition,
      timestamp: record.timestamp,
    });
  }
}
