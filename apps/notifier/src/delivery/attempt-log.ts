import type { Logger } from '@nestjs/common';
import type { DeliveryAttemptDto } from '@airis/contracts';
import type { KafkaProducer } from '@airis/kafka';
import type { DeliveryStore } from './delivery.store';

const LINGER_MS = 5;
const MAX_BATCH = 500;

interface Entry {
  deliveryId: string;
  record: DeliveryAttemptDto;
  /** Already in the stored log (a first try, stored with its batch): published only. */
  stored: boolean;
}

/**
 * The delivery log, batched: attempts gathered for a few milliseconds are stored as one log
 * document and published on `airis.deliveries.v1` with one produce request (first tries come
 * stored with their batch, see `DeliveryStore.storeBatch`, and are only published). The delivery's
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

  /** Queues one attempt for the next batch; `stored`: in the stored log already, publish only. */
  add(deliveryId: string, record: DeliveryAttemptDto, stored = false): void {
    this.pending.push({ deliveryId, record, stored });
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
    await Promise.all([
      this.store
        .appendLog(
          batch.filter((e) => !e.stored).map(({ deliveryId, record }) => ({ delivery_id: deliveryId, ...record })),
        )
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
