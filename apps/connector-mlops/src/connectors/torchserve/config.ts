import { requireCredentials, validateSettings, type ValidationResult } from '@airis/connector-kit';
import { IsIn, IsOptional, IsUrl } from 'class-validator';
import { type ModelTarget, modelTargets } from '../shared/probe';

/** Settings of a `torchserve` integration (inference API :8080, management API :8081). */
export class TorchServeSettings {
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  inference_url!: string;

  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  management_url!: string;

  /** `token`: TorchServe token authorization; keys in credentials.inference_key / management_key. */
  @IsIn(['none', 'token'])
  auth: 'none' | 'token' = 'none';

  /** Models to watch (with optional probe bodies); every registered model when unset. */
  @IsOptional()
  @modelTargets()
  models?: ModelTarget[];
}

export function torchServeDefaults(): Partial<TorchServeSettings> {
  return { auth: 'none' };
}

export function validateTorchServe(
  raw: unknown,
  credentials: Record<string, string>,
): ValidationResult<TorchServeSettings> {
  const result = validateSettings(TorchServeSettings, torchServeDefaults(), raw);
  const needed = result.ok && result.value.auth === 'token' ? ['inference_key', 'management_key'] : [];
  const errors = requireCredentials(result, credentials, needed);
  return errors.length === 0 && result.ok ? result : { ok: false, errors };
}
