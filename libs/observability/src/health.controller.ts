import { Controller, Get, Header } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { metricsRegistry } from './metrics';
import { ReadinessRegistry } from './readiness';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessRegistry,
  ) {}

  /** Liveness: the process and its event loop answer. Never depends on Kafka or MongoDB. */
  @Get('health/live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.indicators.check('process').up({ pid: process.pid })]);
  }

  /** Readiness: every registered dependency answers (503 with details otherwise). */
  @Get('health/ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      async (): Promise<HealthIndicatorResult> => {
        const results = await this.readiness.runAll();
        let combined: HealthIndicatorResult = {};
        for (const [name, result] of Object.entries(results)) {
          const indicator = this.indicators.check(name);
          const detail = result.detail ?? (result.up ? 'ok' : 'down');
          combined = { ...combined, ...(result.up ? indicator.up({ detail }) : indicator.down({ detail })) };
        }
        return combined;
      },
    ]);
  }

  @Get('metrics')
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
