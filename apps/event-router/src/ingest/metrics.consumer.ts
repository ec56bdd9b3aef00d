import { Injectable } from '@nestjs/common';
import type { MetricBatchDto } from '@airis/contracts';
import { type ConsumedRecord, KafkaHandler } from '@airis/kafka';
import { counter } from '@airis/observability';
import { Evaluator } from '../domain/evaluator';
import { PartitionOwnership } from './partition-ownership.service';

const DONE = Promise.resolve();
const samples = counter('airis_router_samples_total', 'Metric samples evaluated against at least one rule', []);

/** Thin: a validated batch (plain or CloudEvents) goes into the windows of its partition. */
@Injectable()
export class MetricsConsumer {
  /** `metrics:<partition>`, built once per partition. */
  private readonly partitionKeys: string[] = [];

  constructor(
    private readonly evaluator: Evaluator,
    private readonly ownership: PartitionOwnership,
  ) {}

  @KafkaHandler('metrics')
  handle(record: ConsumedRecord<MetricBatchDto>): Promise<void> {
    const partitionKey = (this.partitionKeys[record.partition] ??= `metrics:${record.partition}`);
    // Owned after the first record: no async function, no await on the hot path.
    const claiming = this.ownership.ensureOwned(partitionKey);
    if (claiming) return claiming.then(() => this.ingest(record, partitionKey));
    this.ingest(record, partitionKey);
    return DONE;
  }

  private ingest(record: ConsumedRecord<MetricBatchDto>, partitionKey: string): void {
    const time = record.value.timestamp ?? record.timestamp;
    const n = this.evaluator.ingestMetrics(record.value, record.envelope.id, time, partitionKey);
    if (n > 0) samples.inc(n);
  }
}
