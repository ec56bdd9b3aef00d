import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describe(errors: ValidationError[], out: string[]): void {
  for (const error of errors) {
    for (const message of Object.values(error.constraints ?? {})) out.push(message);
    if (error.children?.length) describe(error.children, out);
  }
}

/** The one place that reads the process environment (DESIGN.md §7). */
export function processEnvironment(): Record<string, string | undefined> {
  return { ...process.env };
}

/**
 * Builds a typed, validated config object from environment variables. Properties of the class
 * are named after the variables, so every error names what to fix. All problems are reported
 * at once; nothing starts with a half-valid config.
 */
export function loadConfig<T extends object>(
  schema: new () => T,
  env: Record<string, string | undefined> = processEnvironment(),
): T {
  // Empty strings mean "unset", so defaults apply (a common shell and compose idiom).
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const instance = plainToInstance(schema, present, { enableImplicitConversion: true, excludeExtraneousValues: false });
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    const problems: string[] = [];
    describe(errors, problems);
    throw new ConfigError(problems);
  }
  return instance;
}
