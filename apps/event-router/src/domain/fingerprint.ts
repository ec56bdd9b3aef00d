import { createHash } from 'node:crypto';
import type { Labels } from './matchers';

/** Stable across restarts and instances: the rule id and the sorted label set, hashed. */
export function fingerprint(ruleId: string, labels: Labels): string {
  const h = createHash('sha256').update(ruleId).update('\0');
  for (const key of Object.keys(labels).sort())
    h.update(key)
      .update('\0')
      .update(labels[key] ?? '')
      .update('\0');
  return h.digest('hex').slice(0, 24);
}

/** Id of one firing episode of a fingerprint: the same on every instance that computes it. */
export function episodeId(fp: string, startedAt: number): string {
  return createHash('sha256').update(`${fp}:${startedAt}`).digest('hex').slice(0, 24);
}
