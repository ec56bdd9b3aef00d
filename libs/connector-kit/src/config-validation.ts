import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import type { ValidationResult } from './connector';

function flatten(errors: ValidationError[], prefix: string, out: string[]): void {
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) out.push(`${path}: ${message}`);
    if (e.children?.length) flatten(e.children, path, out);
  }
}

/**
 * Validates connector settings against a class-validator class (the `config.ts` of a connector
 * type) with its defaults underneath; unknown fields are errors so a typo never goes unnoticed.
 */
export function validateSettings<S extends object>(
  schema: new () => S,
  defaults: Partial<S>,
  raw: unknown,
): ValidationResult<S> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, errors: ['settings: must be an object'] };
  }
  const instance = plainToInstance(schema, { ...defaults, ...raw }, { enableImplicitConversion: false });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length === 0) return { ok: true, value: instance };
  const out: string[] = [];
  flatten(errors, 'settings', out);
  return { ok: false, errors: out };
}

/** Adds errors for credentials a config needs but lacks. */
export function requireCredentials(
  result: ValidationResult<unknown>,
  credentials: Record<string, string>,
  names: readonly string[],
): string[] {
  const errors = result.ok ? [] : [...result.errors];
  for (const name of names) {
    if (!credentials[name]) errors.push(`credentials.${name}: is required by these settings`);
  }
  return errors;
}
