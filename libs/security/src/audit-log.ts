import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuditEventDto } from '@airis/contracts';
import { KAFKA_OPTIONS, KafkaProducer, type KafkaModuleOptions } from '@airis/kafka';

export type AuditEntry = Omit<AuditEventDto, 'id' | 'service' | 'timestamp'> & { timestamp?: number };

/** Publishes security-relevant facts on `airis.audit.v1`, keyed by actor (DESIGN.md §5). */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger(AuditLog.name);
  private readonly service: string;

  constructor(
    private readonly producer: KafkaProducer,
    @Inject(KAFKA_OPTIONS) options: KafkaModuleOptions,
  ) {
    this.service = options.clientId;
  }

  /** Resolves once Kafka has the record. */
  async record(entry: AuditEntry): Promise<void> {
    const event: AuditEventDto = {
      ...entry,
      id: randomUUID(),
      service: this.service,
      timestamp: entry.timestamp ?? Date.now(),
    };
    await this.producer.publish('audit', event.actor, event, { id: event.id });
  }

  /** Fire and forget, for paths that must answer fast (a refused request); failures are logged. */
  recordInBackground(entry: AuditEntry): void {
    this.record(entry).catch((error: unknown) =>
      this.logger.warn(`audit event ${entry.action} not published: ${(error as Error).message}`),
    );
  }
}
