import { Injectable } from '@nestjs/common';
import {
  type CommandDto,
  CommandDto as CommandContract,
  EventDto,
  MetricBatchDto,
  describeFieldErrors,
  validateContract,
} from '@airis/contracts';
import { KafkaProducer } from '@airis/kafka';
import { type Normalized, PayloadError, sha256Hex } from '../providers';

export interface PublishCounts {
  events: number;
  metrics: number;
  commands: number;
}

/**
 * Publishes what a delivery normalised to, with ids derived from the delivery: a retry after a
 * partial failure publishes the same ids, which consumers deduplicate. Every record is checked
 * against its topic contract before anything is sent.
 */
@Injectable()
export class WebhookPublisher {
  constructor(private readonly producer: KafkaProducer) {}

  async publish(
    normalized: Normalized,
    idSeed: string,
    meta: { sourceId: string; now: number; withCommands: boolean },
  ): Promise<PublishCounts> {
    const base = `wh_${sha256Hex(idSeed).slice(0, 40)}`;
    const events = normalized.events.map((e, i) => ({ ...e, id: `${base}_e${i}` }));
    const metrics = normalized.metrics.map((m, i) => ({ ...m, id: `${base}_m${i}` }));
    const commands: CommandDto[] = meta.withCommands
      ? normalized.commands.map((c, i) => ({ ...c, id: `${base}_c${i}`, timestamp: meta.now }))
      : [];
    const check = <T extends object>(schema: new () => T, value: unknown, what: string): void => {
      const result = validateContract(schema, value);
      if (!result.ok) throw new PayloadError('unmappable', `${what}: ${describeFieldErrors(result.errors)}`, what);
    };
    events.forEach((e, i) => check(EventDto, e, `events[${i}]`));
    metrics.forEach((m, i) => check(MetricBatchDto, m, `metrics[${i}]`));
    commands.forEach((c, i) => check(CommandContract, c, `commands[${i}]`));

    const subject = meta.sourceId;
    if (events.length > 0) {
      await this.producer.publishMany(
        'events',
        events.map((e) => ({ key: e.source, value: e, id: e.id, subject, time: new Date(e.timestamp ?? meta.now) })),
      );
    }
    if (metrics.length > 0) {
      await this.producer.publishMany(
        'metrics',
        metrics.map((m) => ({ key: m.source, value: m, id: m.id, subject })),
      );
    }
    if (commands.length > 0) {
      await this.producer.publishMany(
        'commands',
        commands.map((c) => ({ key: c.target, value: c, id: c.id, subject })),
      );
    }
    return { events: events.length, metrics: metrics.length, commands: commands.length };
  }
}
