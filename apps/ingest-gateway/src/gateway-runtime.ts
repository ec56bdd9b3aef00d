import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_ENV } from './gateway.tokens';
import type { GatewayEnv } from './gateway.config';

/** Small run-time facts shared by controllers. */
@Injectable()
export class GatewayRuntime {
  constructor(@Inject(GATEWAY_ENV) private readonly config: GatewayEnv) {}

  get retryAfterSeconds(): number {
    return this.config.INGEST_RETRY_AFTER_SECONDS;
  }
}
