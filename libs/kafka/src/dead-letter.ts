import type { KafkaHeaders } from '@airis/contracts';
import type { Message } from 'kafkajs';
import type { RawRecord } from './record-decoder';

/** Headers a dead-lettered record carries, so an operator sees why without the logs. */
export const DLQ_HEADER = {
  code: 'x-airis-dlq-code',
  errorClass: 'x-airis-dlq-class',
  reason: 'x-airis-dlq-reason',
  topic: 'x-airis-dlq-source-topic',
  partition: 'x-airis-dlq-source-partition',
  offset: 'x-airis-dlq-source-offset',
  group: 'x-airis-dlq-consumer-group',
  attempts: 'x-airis-dlq-attempts',
  failedAt: 'x-airis-dlq-failed-at',
} as const;

export type DeadLetterClass = 'VALIDATION' | 'PERMANENT' | 'RETRIES_EXHAUSTED';

export interface DeadLetterReason {
  code: string;
  errorClass: DeadLetterClass;
  reason: string;
  attempts: number;
}

const MAX_REASON = 2000;

/** The original key, value and headers, plus the DLQ headers; replay strips the latter. */
export function deadLetterMessage(raw: RawRecord, why: DeadLetterReason, groupId: string): Message {
  const original: KafkaHeaders = { ...(raw.headers ?? {}) };
  for (const name of Object.values(DLQ_HEADER)) delete original[name];
  return {
    key: raw.key,
    value: raw.value,
    headers: {
      ...(original as Message['headers']),
      [DLQ_HEADER.code]: why.code,
      [DLQ_HEADER.errorClass]: why.errorClass,
      [DLQ_HEADER.reason]: why.reason.length > MAX_REASON ? `${why.reason.slice(0, MAX_REASON)}…` : why.reason,
      [DLQ_HEADER.topic]: raw.topic,
      [DLQ_HEADER.partition]: String(raw.partition),
      [DLQ_HEADER.offset]: raw.offset,
      [DLQ_HEADER.group]: groupId,
      [DLQ_HEADER.attempts]: String(why.attempts),
      [DLQ_HEADER.failedAt]: new Date().toISOString(),
    },
  };
}
