import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { EventDto } from '@airis/contracts';
import { KafkaProducer } from '@airis/kafka';
import { createUnique } from '@airis/persistence';
import type { Model } from 'mongoose';
import { HealthMonitorConfig } from './health-monitor.config';
import { OUTBOX, type OutboxDoc } from './health.schemas';

/**
 * Every event the monitor raises (status changes, consumer lag, delivery failure rate) is
 * stored before it is published and marked once Kafka has acknowledged it; what could not be
 * published (broker away) is retried on every evaluation tick. The stored id is the CloudEvents
 * id, so a retry after a lost acknowledgement is deduplicated downstream.
 */
@Injectable()
export class EventOutbox {
  private readonly logger = new Logger(EventOutbox.name);
  private flushing: Promise<void> | undefined;
  private again = false;

  constructor(
    @InjectModel(OUTBOX) private readonly outbox: Model<OutboxDoc>,
    private readonly producer: KafkaProducer,
    private readonly config: HealthMonitorConfig,
  ) {}

  /** Stores the event (idempotent on its id) and tries to publish it at once. */
  async raise(id: string, key: string, event: EventDto): Promise<void> {
    const at = event.timestamp ?? Date.now();
    await createUnique(this.outbox, {
      _id: id,
      key,
      event: { ...event, id },
      at,
      published: false,
      expiresAt: new Date(at + this.config.HEALTH_HISTORY_RETENTION_MS),
    });
    await this.flush();
  }

  /** Publishes what is pending, oldest first; one flush at a time, repeated if asked meanwhile. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      do {
        this.again = false;
        await this.publishPending();
      } while (this.again);
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async publishPending(): Promise<void> {
    const pending = await this.outbox.find({ published: false }).sort({ at: 1 }).limit(200).lean().exec();
    for (const doc of pending) {
      try {
        await this.producer.publish('events', doc.key, doc.event, { id: doc._id, time: new Date(doc.at) });
        await this.outbox.updateOne({ _id: doc._id }, { $set: { published: true } });
      } catch (error) {
        this.logger.warn(`event ${doc._id} not published yet, will retry: ${(error as Error).message}`);
        return; // keep the order: later events wait for this one
      }
    }
  }
}
