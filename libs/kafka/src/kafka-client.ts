import { Logger } from '@nestjs/common';
import { Kafka, type LogEntry, Partitioners, type ProducerConfig, logLevel } from 'kafkajs';
import type { KafkaModuleOptions } from './kafka.options';

export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');

/** Where kafkajs's warnings and errors go. */
export type KafkaLogSink = (level: 'warn' | 'error', line: string) => void;

/**
 * Every producer of the hub: idempotent, one request in flight per broker (retries cannot reorder
 * a partition), no topic auto-creation (the registry creates topics), and the Java client's
 * murmur2 partitioner, named so kafkajs does not warn that it is its default since 2.0.
 */
export const PRODUCER_CONFIG: Readonly<ProducerConfig> = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
};

/**
 * kafkajs warns this for every idempotent producer whose retries are bounded. Ours are bounded on
 * purpose (8, see createKafkaClient): a send Kafka cannot ack fails within seconds (503 at the
 * gateway, a retried batch in consumers) instead of hanging. It concerns exactly-once
 * transactions, which the hub does not use; idempotence still keeps one session's retries from
 * duplicating, and stable CloudEvents ids let consumers drop the rest (DESIGN.md).
 */
const BOUNDED_RETRIES_WARNING = 'Limiting retries for the idempotent producer';

/**
 * kafkajs logs through the service logger (pino in apps), at warn and above. Error responses to
 * single requests ("Response Metadata ... coordinator is loading") are retried by kafkajs
 * itself, so they are warnings; what kafkajs gives up on reaches the caller as an exception.
 */
function logCreator(sink: KafkaLogSink) {
  return () =>
    ({ level, log }: LogEntry): void => {
      const { message, ...extra } = log;
      if (message.startsWith(BOUNDED_RETRIES_WARNING)) return;
      const line = `${message} ${JSON.stringify(extra)}`;
      if (level === logLevel.ERROR && !message.startsWith('Response ')) sink('error', line);
      else if (level === logLevel.ERROR || level === logLevel.WARN) sink('warn', line);
    };
}

function serviceLogSink(): KafkaLogSink {
  const logger = new Logger('kafkajs');
  return (level, line) => (level === 'error' ? logger.error(line) : logger.warn(line));
}

export function createKafkaClient(
  options: Pick<KafkaModuleOptions, 'clientId' | 'brokers'>,
  sink: KafkaLogSink = serviceLogSink(),
): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: logCreator(sink),
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 },
  });
}
