import { hostname } from 'node:os';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { HealthReportDto } from '@airis/contracts';
import { KafkaProducer } from '@airis/kafka';
import { ReadinessRegistry } from '@airis/observability';

export const HEARTBEAT_OPTIONS = Symbol('HEARTBEAT_OPTIONS');

export interface HeartbeatOptions {
  service: string;
  intervalMs: number;
}

/**
 * Publishes the service's own health on `airis.health.v1` every interval, so the health monitor
 * can tell a service that stopped from one that is merely quiet.
 */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HeartbeatService.name);
  private readonly instance = `${hostname()}:${process.pid}`;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    @Inject(HEARTBEAT_OPTIONS) private readonly options: HeartbeatOptions,
    private readonly producer: KafkaProducer,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Before the producer disconnects (onApplicationShutdown), so a last beat is not cut off. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }

  private beat(): void {
    if (this.inFlight) return; // a slow broker must not pile up heartbeats
    this.inFlight = this.send()
      .catch((error: unknown) => this.logger.warn(`heartbeat not sent: ${(error as Error).message}`))
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  async report(): Promise<HealthReportDto> {
    const checks = await this.readiness.runAll();
    const down = Object.entries(checks).filter(([, r]) => !r.up);
    return {
      component: this.options.service,
      kind: 'service',
      status: down.length === 0 ? 'healthy' : 'degraded',
      instance: this.instance,
      interval_ms: this.options.intervalMs,
      ...(down.length > 0 ? { message: down.map(([n, r]) => `${n}: ${r.detail ?? 'down'}`).join('; ') } : {}),
      details: { checks },
      timestamp: Date.now(),
    };
  }

  private async send(): Promise<void> {
    const report = await this.report();
    await this.producer.publish('health', this.options.service, report, {
      source: `airis-mon/${this.options.service}`,
    });
  }
}
