import type { Logger } from '@nestjs/common';
import type { DeliveryAttemptDto } from '@airis/contracts';
import type { KafkaProducer } from '@airis/kafka';
import type { AttemptDoc, DeliveryStore } from './delivery.store';

const LINGER_MS = 5;
const MAX_BATCH = 500;
const RETENTION_MS = 30 * 24 * 3_600_000;

interface Entry {
  deliveryId: string;
  record: DeliveryAttemptDto;
}

/**
 * The delivery log, batched: attempts gathered for a few milliseconds are stored with one
 * insertMany and published on `airis.deliveries.v1` with one produce request. The delivery's
 * own outcome is written before an attempt is logged, so a crash in the linger loses a log
 * line, never a delivery. `flush` on shutdown.
 */
export class AttemptLog {
  private pending: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: DeliveryStore,
    private readonly producer: KafkaProducer,
    private readonly logger: Logger,
  ) {}

  /** Queues one attempt for the next batch. */
  add(deliveryId: string, record: DeliveryAttemptDto): void {
    this.pending.push({ deliveryId, record });
    if (this.pending.length >= MAX_BATCH) this.startFlush();
    else this.timer ??= setTimeout(() => this.startFlush(), LINGER_MS);
  }

  async flush(): Promise<void> {
    this.startFlush();
    await this.flushing;
  }

  private startFlush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.flushing = this.flushing.then(() => this.write(batch));
  }

  private async write(batch: Entry[]): Promise<void> {
    const docs: AttemptDoc[] = batch.map(({ deliveryId, record }) => ({
      _id: record.id,
      delivery_id: deliveryId,
      ...record,
      expiresAt: new Date(record.timestamp + RETENTION_MS),
    }));
    await Promise.all([
      this.store.attempts
        .insertMany(docs, { ordered: false })
        .catch((e: unknown) => this.logger.warn(`attempt log not stored: ${(e as Error).message}`)),
      this.producer
        .publishMany(
          'deliveries',
          batch.map(({ deliveryId, record }) => ({
            key: record.notification_id,
            value: record,
            id: record.id,
            subject: deliveryId,
          })),
        )
        .catch((e: unknown) => this.logger.warn(`attempts not published: ${(e as Error).message}`)),
    ]);
  }
}
