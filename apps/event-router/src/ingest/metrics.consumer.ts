import { Injectable } from '@nestjs/common';
import type { MetricBatchDto } from '@airis/contracts';
import { type ConsumedRecord, KafkaHandler } from '@airis/kafka';
import { counter } from '@airis/observability';
import { Evaluator } from '../domain/evaluator';
import { PartitionOwnership } from './partition-ownership.service';

const samples = counter('airis_router_samples_total', 'Metric samples evaluated against at least one rule', []);

/** Thin: a validated batch (plain or CloudEvents) goes into the windows of its partition. */
@Injectable()
export class MetricsConsumer {
  constructor(
    private readonly evaluator: Evaluator,
    private readonly ownership: PartitionOwnership,
  ) {}

  @KafkaHandler('metrics')
  async handle(record: ConsumedRecord<MetricBatchDto>): Promise<void> {
    const partitionKey = `metrics:${record.partition}`;
    // Owned after the first record: no await (and no microtask turn) on the hot path.
    const claiming = this.ownership.ensureOwned(partitionKey);
    if (claiming) await claiming;
    const time = record.value.timestamp ?? record.timestamp;
    const n = this.evaluator.ingestMetrics(record.value, record.envelope.id, time, partitionKey);
    if (n > 0) samples.inc(n);
  }
}
