import { SetMetadata, applyDecorators } from '@nestjs/common';
import type { TopicId } from '@airis/contracts';

export const KAFKA_HANDLER = Symbol('KAFKA_HANDLER');
/** Set on a handler that takes a whole batch of one partition (`KafkaBatchHandler`): its options. */
export const KAFKA_BATCH_HANDLER = Symbol('KAFKA_BATCH_HANDLER');

export interface KafkaBatchHandlerOptions {
  /**
   * The handler may resolve with a `DeferredBatchResult` (its effects become durable later; the
   * next batch is handled meanwhile). Switches the service's consumer to commits made by the
   * runner, only of durable offsets (libs/kafka/README.md, "Deferred commits").
   */
  deferCommit?: boolean;
}

/**
 * Marks the method that handles every record of one topic. The method receives a validated
 * `ConsumedRecord`; throwing an AppError decides retry (TRANSIENT) or dead letter (PERMANENT).
 */
export const KafkaHandler = (topic: TopicId): MethodDecorator => SetMetadata(KAFKA_HANDLER, topic);

/**
 * Like `KafkaHandler`, but the method receives the valid records of one fetched batch of one
 * partition at once (`BatchHandler`), and their offsets are committed only after it resolves.
 * It returns, per record, an error to dead-letter that record (or nothing); throwing retries the
 * whole batch (see libs/kafka/README.md, "Batch handlers").
 */
export const KafkaBatchHandler = (topic: TopicId, options: KafkaBatchHandlerOptions = {}): MethodDecorator =>
  applyDecorators(SetMetadata(KAFKA_HANDLER, topic), SetMetadata(KAFKA_BATCH_HANDLER, options));
