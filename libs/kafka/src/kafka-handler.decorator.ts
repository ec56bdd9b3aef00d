import { SetMetadata } from '@nestjs/common';
import type { TopicId } from '@airis/contracts';

export const KAFKA_HANDLER = Symbol('KAFKA_HANDLER');

/**
 * Marks the method that handles every record of one topic. The method receives a validated
 * `ConsumedRecord`; throwing an AppError decides retry (TRANSIENT) or dead letter (PERMANENT).
 */
export const KafkaHandler = (topic: TopicId): MethodDecorator => SetMetadata(KAFKA_HANDLER, topic);
