import { validateContract } from '@airis/contracts';
import type { ValidationResult } from './connector';

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
  const result = validateContract(schema, { ...defaults, ...raw });
  if (result.ok) return { ok: true, value: result.value };
  return {
    ok: false,
    errors: result.errors.flatMap((e) => {
      const path = e.field ? `settings${e.field.startsWith('[') ? '' : '.'}${e.field}` : 'settings';
      return e.messages.map((m) => `${path}: ${m}`);
    }),
  };
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
