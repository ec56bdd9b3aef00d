import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ConfigStoreModule } from '@airis/config-store';
import { API_KEY_KIND, CONFIG_KINDS } from '@airis/contracts';
import { ApiKeysController } from './admin/api-keys.controller';
import { ConfigResourcesService } from './admin/config-resources.service';
import { configControllers } from './admin/config-resources.controller';
import { ApiKeysService } from './auth/api-keys.service';
import { AuthGuard } from './auth/auth.guard';
import { RateLimiter } from './auth/rate-limiter';
import type { GatewayEnv } from './gateway.config';
import { GatewayRuntime } from './gateway-runtime';
import { GATEWAY_ENV } from './gateway.tokens';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { IdempotencyStore } from './ingest/idempotency.store';
import { IngestProducer } from './ingest/ingest-producer';
import { IngestUseCase } from './ingest/ingest.usecase';
import { OtlpController } from './otlp/otlp.controller';
import { RemoteWriteController } from './prometheus/remote-write.controller';

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayEnv): DynamicModule {
    return {
      module: GatewayModule,
      imports: [ConfigStoreModule.forRoot({ kinds: [API_KEY_KIND, ...CONFIG_KINDS.map((k) => k.kind)] })],
      // The ingest endpoints are plain Fastify routes (ingest/ingest.routes.ts, registered in service.ts).
      controllers: [OtlpController, RemoteWriteController, ApiKeysController, ...configControllers()],
      providers: [
        { provide: GATEWAY_ENV, useValue: config },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        GatewayRuntime,
        ApiKeysService,
        RateLimiter,
        AuthGuard,
        IdempotencyStore,
        IngestProducer,
        IngestUseCase,
        ConfigResourcesService,
      ],
    };
  }
}
