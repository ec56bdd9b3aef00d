import {
  HttpAuthSettings,
  credentialsFor,
  requireCredentials,
  validateSettings,
  type ValidationResult,
} from '@airis/connector-kit';
import { IsUrl } from 'class-validator';
import { type ModelTarget, modelTargets } from '../shared/probe';

/** Settings of a `kserve` / `triton` integration (Open Inference Protocol v2 over REST). */
export class KServeSettings extends HttpAuthSettings {
  /** Base URL of the inference server or InferenceService (the part before /v2). */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  base_url!: string;

  /** Models to watch; `probe` is an inference request body ({"inputs": [{name, shape, datatype, data}]}). */
  @modelTargets()
  models!: ModelTarget[];
}

export function kserveDefaults(): Partial<KServeSettings> {
  return { auth: 'none' };
}

export function validateKServe(raw: unknown, credentials: Record<string, string>): ValidationResult<KServeSettings> {
  const result = validateSettings(KServeSettings, kserveDefaults(), raw);
  const errors = requireCredentials(result, credentials, result.ok ? credentialsFor(result.value.auth) : []);
  if (result.ok) {
    result.value.models.forEach((m, i) => {
      if (m.probe && !Array.isArray(m.probe['inputs'])) {
        errors.push(
          `settings.models.${i}.probe: must hold an "inputs" array (Open Inference Protocol inference request)`,
        );
      }
    });
  }
  return errors.length === 0 && result.ok ? result : { ok: false, errors };
}
