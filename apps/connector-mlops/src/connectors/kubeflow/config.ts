import { requireCredentials, validateSettings, type ValidationResult } from '@airis/connector-kit';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export const KFP_RUN_METRICS = ['pipeline_duration', 'step_duration', 'resource_usage', 'success_rate'] as const;
export type KfpRunMetric = (typeof KFP_RUN_METRICS)[number];

export class KfpPipelineRuns {
  /** Which run metrics to emit (the seed's list; resource_usage is accepted but needs cluster metrics, see README). */
  @IsArray()
  @IsIn(KFP_RUN_METRICS, { each: true })
  metrics: KfpRunMetric[] = ['pipeline_duration', 'step_duration', 'success_rate'];

  /** Finished runs per experiment that `success_rate` is computed over. */
  @IsInt()
  @Min(1)
  @Max(1000)
  success_window: number = 20;
}

export class KfpExperiments {
  /** Emit the metrics runs report (accuracy, loss, ...). */
  @IsBoolean()
  track_metrics: boolean = true;

  /** Names of run metrics to emit; all when empty. */
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  custom_metrics: string[] = ['accuracy', 'loss', 'f1_score'];
}

export class KfpAuthentication {
  /** `service_account`: a Kubernetes service-account token read from `token_path` on every run (tokens rotate). */
  @IsIn(['none', 'service_account', 'bearer'])
  type: 'none' | 'service_account' | 'bearer' = 'service_account';

  @IsOptional()
  @IsString()
  @Matches(/^\//, { message: 'token_path must be an absolute path' })
  token_path?: string;
}

/** Settings of a `kubeflow` integration (Kubeflow Pipelines REST API v2beta1), shaped like the seed's config. */
export class KubeflowSettings {
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  pipeline_endpoint!: string;

  /** Namespace of the runs and experiments (multi-user mode); all visible when unset. */
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: 'namespace must be a Kubernetes namespace name' })
  namespace?: string;

  @ValidateNested()
  @Type(() => KfpPipelineRuns)
  pipeline_runs: KfpPipelineRuns = new KfpPipelineRuns();

  @ValidateNested()
  @Type(() => KfpExperiments)
  experiments: KfpExperiments = new KfpExperiments();

  @ValidateNested()
  @Type(() => KfpAuthentication)
  authentication: KfpAuthentication = new KfpAuthentication();

  @IsInt()
  @Min(1)
  @Max(1000)
  page_size: number = 100;
}

export function kubeflowDefaults(): Partial<KubeflowSettings> {
  return {};
}

export const DEFAULT_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export function validateKubeflow(
  raw: unknown,
  credentials: Record<string, string>,
): ValidationResult<KubeflowSettings> {
  const result = validateSettings(KubeflowSettings, kubeflowDefaults(), raw);
  const errors = requireCredentials(
    result,
    credentials,
    result.ok && result.value.authentication.type === 'bearer' ? ['token'] : [],
  );
  if (result.ok && result.value.authentication.type === 'service_account') {
    result.value.authentication.token_path ??= DEFAULT_TOKEN_PATH;
  }
  return errors.length === 0 && result.ok ? result : { ok: false, errors };
}
