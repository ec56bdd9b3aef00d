import {
  HttpAuthSettings,
  credentialsFor,
  requireCredentials,
  validateSettings,
  type ValidationResult,
} from '@airis/connector-kit';
import { IsUrl } from 'class-validator';
import { type ModelTarget, modelTargets } from '../shared/probe';

/** Settings of a `tfserving` integration (TensorFlow Serving REST API, port 8501 by default). */
export class TfServingSettings extends HttpAuthSettings {
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  base_url!: string;

  /** Models to watch; `probe` is a predict body ({"instances": [...]} or {"inputs": ...}). */
  @modelTargets()
  models!: ModelTarget[];
}

export function tfServingDefaults(): Partial<TfServingSettings> {
  return { auth: 'none' };
}

export function validateTfServing(
  raw: unknown,
  credentials: Record<string, string>,
): ValidationResult<TfServingSettings> {
  const result = validateSettings(TfServingSettings, tfServingDefaults(), raw);
  const errors = requireCredentials(result, credentials, result.ok ? credentialsFor(result.value.auth) : []);
  if (result.ok) {
    result.value.models.forEach((m, i) => {
      if (m.probe && !('instances' in m.probe) && !('inputs' in m.probe)) {
        errors.push(`settings.models.${i}.probe: must hold "instances" (row format) or "inputs" (columnar format)`);
      }
    });
  }
  return errors.length === 0 && result.ok ? result : { ok: false, errors };
}
