import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { loadConfig, processEnvironment } from './load-config';

/** Environment booleans: "true/1/yes/on" and "false/0/no/off"; anything else fails validation. */
export function EnvBoolean(): PropertyDecorator {
  // Reads the raw string: implicit conversion would already have made "false" true.
  return Transform(({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
    const value = obj[key];
    if (typeof value !== 'string') return value;
    const v = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    return value;
  });
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Settings every service shares (DESIGN.md §8). Property names are the variable names. */
export class ServiceEnv {
  @IsIn(['development', 'test', 'production'], { message: 'NODE_ENV must be development, test or production' })
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @IsString()
  @Matches(/^(0\.0\.0\.0|127\.0\.0\.1|::|::1|localhost|[\w.-]+)$/, { message: 'HOST must be an address or host name' })
  HOST: string = '127.0.0.1';

  @Matches(/^[\w.-]+:\d{1,5}(,[\w.-]+:\d{1,5})*$/, {
    message: 'KAFKA_BROKERS must be a comma-separated list of host:port, e.g. 127.0.0.1:9092',
  })
  KAFKA_BROKERS: string = '127.0.0.1:9092';

  @Matches(/^[a-zA-Z0-9._-]{0,100}$/, {
    message: 'AIRIS_TOPIC_NAMESPACE may only hold letters, digits, ".", "_" and "-" (it prefixes every topic)',
  })
  AIRIS_TOPIC_NAMESPACE: string = '';

  @IsInt({ message: 'KAFKA_TOPIC_REPLICATION_FACTOR must be an integer (-1 = the broker default)' })
  @Min(-1, { message: 'KAFKA_TOPIC_REPLICATION_FACTOR must be -1 (broker default) or at least 1' })
  KAFKA_TOPIC_REPLICATION_FACTOR: number = -1;

  @EnvBoolean()
  @IsBoolean({ message: 'KAFKA_CREATE_TOPICS must be true or false' })
  KAFKA_CREATE_TOPICS: boolean = true;

  @Matches(/^mongodb(\+srv)?:\/\/.+/, { message: 'MONGODB_URI must be a mongodb:// or mongodb+srv:// URI' })
  MONGODB_URI: string = 'mongodb://127.0.0.1:27017/airis';

  @IsInt({ message: 'HEARTBEAT_INTERVAL_MS must be an integer' })
  @Min(1000, { message: 'HEARTBEAT_INTERVAL_MS must be at least 1000' })
  HEARTBEAT_INTERVAL_MS: number = 15_000;

  @IsInt({ message: 'SHUTDOWN_TIMEOUT_MS must be an integer' })
  @Min(1000, { message: 'SHUTDOWN_TIMEOUT_MS must be at least 1000' })
  @Max(600_000, { message: 'SHUTDOWN_TIMEOUT_MS must be at most 600000' })
  SHUTDOWN_TIMEOUT_MS: number = 25_000;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be a URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'AIRIS_MASTER_KEY must be 32 bytes, base64-encoded (44 characters)' })
  AIRIS_MASTER_KEY?: string;

  @IsOptional()
  @IsString()
  @Matches(/^\S{24,}$/, { message: 'AIRIS_BOOTSTRAP_ADMIN_KEY must be at least 24 characters without spaces' })
  AIRIS_BOOTSTRAP_ADMIN_KEY?: string;
}

/** Environment variable of a service's port: `ingest-gateway` → `INGEST_GATEWAY_PORT`. */
export function portVariable(service: string): string {
  return `${service.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_PORT`;
}

class PortEnv {
  @IsOptional()
  @IsInt({ message: 'the port must be an integer' })
  @Min(0, { message: 'the port must be between 0 and 65535' })
  @Max(65535, { message: 'the port must be between 0 and 65535' })
  port?: number;
}

/** `<SERVICE>_PORT`, else `PORT`, else the default of DESIGN.md §8. 0 picks a free port. */
export function resolvePort(
  service: string,
  defaultPort: number,
  env: Record<string, string | undefined> = processEnvironment(),
): number {
  const variable = portVariable(service);
  const raw = env[variable] ?? env['PORT'];
  const parsed = loadConfig(PortEnv, raw === undefined ? {} : { port: raw });
  return parsed.port ?? defaultPort;
}
