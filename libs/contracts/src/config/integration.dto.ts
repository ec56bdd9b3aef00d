import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { IsPlainObject, LIMITS } from '../dto/validators';

/** When an integration is polled. Defaults follow the seed: every 60 s, 5 min cap on error backoff. */
export class IntegrationScheduleDto {
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  @JSONSchema({ description: 'Poll interval in milliseconds (default 60000).' })
  interval_ms!: number;

  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  @JSONSchema({ description: 'Random spread of each delay as a fraction of it, 0-1 (default 0.1).' })
  jitter?: number;

  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  @JSONSchema({ description: 'Ceiling of the exponential backoff after failed runs (default 300000).' })
  max_backoff_ms?: number;

  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(600_000)
  @JSONSchema({ description: 'Time limit of one run, calls included (default 30000).' })
  timeout_ms?: number;
}

/**
 * A pull integration (config kind `integration`, key `integration/<id>`): one configured
 * instance of a connector type of a family, e.g. an MLflow tracking server polled by
 * connector-mlops. `settings` is validated by the connector type's own schema; every value in
 * `credentials` is a secret, sealed by the writer and revealed only by the connector service.
 */
@JSONSchema({ title: 'IntegrationSpec' })
export class IntegrationSpecDto {
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,31}$/)
  @JSONSchema({ description: 'Connector family = connector service, e.g. mlops.' })
  family!: string;

  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,63}$/)
  @JSONSchema({ description: 'Connector type within the family, e.g. mlflow, tfserving.' })
  type!: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.name)
  name?: string;

  @IsOptional()
  @IsBoolean()
  @JSONSchema({ description: 'A disabled integration is kept but not polled (default true).' })
  enabled?: boolean;

  @IsOptional()
  @ValidateNested()
  @Type(() => IntegrationScheduleDto)
  schedule?: IntegrationScheduleDto;

  @IsPlainObject()
  @JSONSchema({ description: 'Connector-specific settings, validated by the connector type.' })
  settings!: Record<string, unknown>;

  @IsOptional()
  @IsPlainObject()
  @JSONSchema({ description: 'Secrets by name (token, password...): each a string or a sealed secret.' })
  credentials?: Record<string, unknown>;
}

export const INTEGRATION_KIND = 'integration';

/** Every member of `credentials` is a secret. */
export const INTEGRATION_SECRET_FIELDS = ['credentials.*'] as const;
