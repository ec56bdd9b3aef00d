import { DURATION_PATTERN } from '@airis/contracts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `1h30m` → 5_400_000. Throws on anything else (config is validated before it gets here). */
export function parseDuration(text: string): number {
  if (!DURATION_PATTERN.test(text)) throw new Error(`invalid duration "${text}"`);
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(n) * (UNIT_MS[unit ?? 's'] ?? 0);
  return total;
}

/** 5_400_000 → `1h30m`; for the alert's human-readable `duration`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let left = Math.floor(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(left / size);
    if (n > 0) parts.push(`${n}${unit}`);
    left -= n * size;
  }
  return parts.join('');
}
