import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { HealthController } from './health.controller';
import { collectProcessMetrics } from './metrics';
import { ReadinessRegistry } from './readiness';

export interface ObservabilityOptions {
  service: string;
  logLevel: string;
}

/** Paths that load balancers and Prometheus hit every few seconds; not worth a log line each. */
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

export function pinoOptions(options: ObservabilityOptions) {
  return {
    level: options.logLevel,
    base: { service: options.service },
    // Credentials never reach the logs.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'req.headers["x-hub-signature-256"]',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
    autoLogging: { ignore: (req: { url?: string }) => QUIET_PATHS.has((req.url ?? '').split('?')[0] ?? '') },
  };
}

@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    collectProcessMetrics();
    return {
      module: ObservabilityModule,
      imports: [TerminusModule.forRoot({ logger: false }), LoggerModule.forRoot({ pinoHttp: pinoOptions(options) })],
      controllers: [HealthController],
      providers: [ReadinessRegistry],
      exports: [ReadinessRegistry],
    };
  }
}
