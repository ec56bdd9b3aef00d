import { createHash } from 'node:crypto';

/**
 * A deterministic record id from its identifying parts (≤ 128 chars, the contracts' id limit):
 * the same fact collected twice gets the same id, so downstream dedup drops the repeat.
 */
export function stableId(prefix: string, ...parts: (string | number)[]): string {
  const hash = createHash('sha256').update(parts.map(String).join('\u0000')).digest('hex').slice(0, 40);
  return `${prefix.slice(0, 80)}-${hash}`;
}

/** A record `source` (the Kafka key) within the contracts' 256-character limit. */
export function sourceOf(prefix: string, name: string): string {
  return `${prefix}-${name}`.slice(0, 256);
}
