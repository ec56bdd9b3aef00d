import { randomUUID } from 'node:crypto';
import type { AlertDto, DeliveryAttemptDto, HealthReportDto } from '@airis/contracts';

/** Test helpers shared by the health monitor's int-specs. */

/** What they need of the test harness (`ctx.produce`). */
export interface Producing {
  produce(topic: string, messages: { key: string; value: string; headers?: Record<string, string> }[]): Promise<void>;
}

export async function sendReport(ctx: Producing, report: HealthReportDto, id: string = randomUUID()): Promise<string> {
  await ctx.produce('health', [{ key: report.component, value: JSON.stringify(report), headers: { ce_id: id } }]);
  return id;
}

/** A component that heartbeats every `intervalMs` until stopped (like libs/service's HeartbeatService). */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  sent = 0;

  constructor(
    private readonly ctx: Producing,
    readonly component: string,
    readonly intervalMs: number,
    readonly instance = `${component}-1`,
    readonly extra: Partial<HealthReportDto> = {},
  ) {}

  start(): this {
    const beat = (): void => {
      void sendReport(this.ctx, {
        component: this.component,
        kind: 'service',
        status: 'healthy',
        instance: this.instance,
        interval_ms: this.intervalMs,
        timestamp: Date.now(),
        ...this.extra,
      }).then(
        () => this.sent++,
        () => undefined,
      );
    };
    beat();
    this.timer = setInterval(beat, this.intervalMs);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

export function alert(overrides: Partial<AlertDto> = {}): AlertDto {
  const now = Date.now();
  return {
    id: randomUUID(),
    fingerprint: `fp-${randomUUID().slice(0, 8)}`,
    name: 'ModelLatencyHigh',
    status: 'firing',
    severity: 'critical',
    description: 'p95 latency of fraud-detector above 500 ms for 5 minutes',
    source: 'tensorflow-serving',
    alert_type: 'threshold',
    labels: { model: 'fraud-detector' },
    timestamp: now,
    updated_at: now,
    ...overrides,
  };
}

export function delivery(overrides: Partial<DeliveryAttemptDto> = {}): DeliveryAttemptDto {
  return {
    id: randomUUID(),
    notification_id: randomUUID(),
    channel: 'slack',
    target: '#ml-oncall',
    outcome: 'delivered',
    attempt: 1,
    http_status: 200,
    latency_ms: 120,
    timestamp: Date.now(),
    ...overrides,
  };
}
