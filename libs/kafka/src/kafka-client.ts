import { Logger } from '@nestjs/common';
import { Kafka, type LogEntry, logLevel } from 'kafkajs';
import type { KafkaModuleOptions } from './kafka.options';

export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');

/** Where kafkajs's warnings and errors go. */
export type KafkaLogSink = (level: 'warn' | 'error', line: string) => void;

/**
 * kafkajs logs through the service logger (pino in apps), at warn and above. Error responses to
 * single requests ("Response Metadata ... coordinator is loading") are retried by kafkajs
 * itself, so they are warnings; what kafkajs gives up on reaches the caller as an exception.
 */
function logCreator(sink: KafkaLogSink) {
  return () =>
    ({ level, log }: LogEntry): void => {
      const { message, ...extra } = log;
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
