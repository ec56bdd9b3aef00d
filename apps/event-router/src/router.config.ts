import { IsInt, IsNotEmpty, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { DURATION_PATTERN } from '@airis/contracts';

/** Settings of the event router (environment variables; validated at start, every error listed). */
export class RouterEnv {
  @IsInt({ message: 'ROUTER_TICK_MS must be an integer' })
  @Min(50, { message: 'ROUTER_TICK_MS must be at least 50' })
  @Max(60_000, { message: 'ROUTER_TICK_MS must be at most 60000' })
  ROUTER_TICK_MS: number = 1000;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'AIRIS_DASHBOARD_URL must be a URL' })
  AIRIS_DASHBOARD_URL: string = 'http://127.0.0.1:8080';

  @IsString()
  @IsNotEmpty({ message: 'ROUTER_DEFAULT_RECEIVER must not be empty' })
  ROUTER_DEFAULT_RECEIVER: string = 'default';

  @Matches(DURATION_PATTERN, { message: 'ROUTER_DEFAULT_GROUP_WAIT must be a duration such as 30s' })
  ROUTER_DEFAULT_GROUP_WAIT: string = '30s';

  @Matches(DURATION_PATTERN, { message: 'ROUTER_DEFAULT_GROUP_INTERVAL must be a duration such as 5m' })
  ROUTER_DEFAULT_GROUP_INTERVAL: string = '5m';

  @Matches(DURATION_PATTERN, { message: 'ROUTER_DEFAULT_REPEAT_INTERVAL must be a duration such as 4h' })
  ROUTER_DEFAULT_REPEAT_INTERVAL: string = '4h';

  @IsInt({ message: 'ROUTER_DEDUP_IDS_PER_PARTITION must be an integer' })
  @Min(100, { message: 'ROUTER_DEDUP_IDS_PER_PARTITION must be at least 100' })
  ROUTER_DEDUP_IDS_PER_PARTITION: number = 100_000;

  @IsInt({ message: 'ROUTER_CLAIM_TTL_MS must be an integer' })
  @Min(1000, { message: 'ROUTER_CLAIM_TTL_MS must be at least 1000' })
  ROUTER_CLAIM_TTL_MS: number = 30_000;
}

export const ROUTER_ENV = Symbol('ROUTER_ENV');
