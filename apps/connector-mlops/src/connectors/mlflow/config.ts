import {
  HttpAuthSettings,
  credentialsFor,
  requireCredentials,
  validateSettings,
  type ValidationResult,
} from '@airis/connector-kit';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, IsUrl, Max, MaxLength, Min } from 'class-validator';

/** Settings of an `mlflow` integration (MLflow tracking server, REST API 2.0). */
export class MlflowSettings extends HttpAuthSettings {
  /** Base URL of the tracking server, e.g. http://mlflow:5000 (without /api/2.0). */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  tracking_uri!: string;

  /** Only these registered models; every model when unset. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  models?: string[];

  /** Experiments (by name) whose finished runs' metrics are emitted. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  experiments?: string[];

  /** Page size of search calls (MLflow caps registered-model search at 1000). */
  @IsInt()
  @Min(1)
  @Max(1000)
  page_size: number = 200;
}

export function mlflowDefaults(): Partial<MlflowSettings> {
  return { auth: 'none', page_size: 200 };
}

export function validateMlflow(raw: unknown, credentials: Record<string, string>): ValidationResult<MlflowSettings> {
  const result = validateSettings(MlflowSettings, mlflowDefaults(), raw);
  const errors = requireCredentials(result, credentials, result.ok ? credentialsFor(result.value.auth) : []);
  if (result.ok && result.value.auth === 'basic' && !result.value.username) {
    errors.push('settings.username: is required when auth is basic');
  }
  return errors.length === 0 && result.ok ? result : { ok: false, errors };
}
