import type { RuleAggregation, RuleComparison, RuleSpecDto, RuleType } from '@airis/contracts';
import { parseDuration } from './duration';
import { type LabelPredicate, type Labels, compileMatchers } from './matchers';

export interface CompiledRule {
  id: string;
  revision: number;
  type: RuleType;
  spec: RuleSpecDto;
  metric: string | undefined;
  matches: LabelPredicate;
  aggregation: RuleAggregation;
  windowMs: number;
  forMs: number;
  /** Absence rules: how long without data counts as absent. */
  absentForMs: number;
  resolveAfterMs: number;
  groupBy: string[] | undefined;
  compare: (value: number) => boolean;
}

const DEFAULT_WINDOW_MS = 5 * 60_000;
const DEFAULT_EVENT_RESOLVE_MS = 5 * 60_000;

export function comparator(op: RuleComparison, threshold: number): (v: number) => boolean {
  switch (op) {
    case '>':
      return (v) => v > threshold;
    case '>=':
      return (v) => v >= threshold;
    case '<':
      return (v) => v < threshold;
    case '<=':
      return (v) => v <= threshold;
    case '==':
      return (v) => v === threshold;
    case '!=':
      return (v) => v !== threshold;
  }
}

/** Throws with a readable message when the spec cannot be compiled (e.g. a bad regex). */
export function compileRule(id: string, revision: number, spec: RuleSpecDto): CompiledRule {
  const forMs = spec.for ? parseDuration(spec.for) : 0;
  return {
    id,
    revision,
    type: spec.type,
    spec,
    metric: spec.metric,
    matches: compileMatchers(spec.matchers),
    aggregation: spec.aggregation ?? 'last',
    windowMs: spec.window ? parseDuration(spec.window) : DEFAULT_WINDOW_MS,
    // Absence rules use `for` as the silence that counts as absence; they fire at once then.
    forMs: spec.type === 'absence' ? 0 : forMs,
    absentForMs: spec.type === 'absence' ? forMs : 0,
    resolveAfterMs: spec.resolve_after
      ? parseDuration(spec.resolve_after)
      : spec.type === 'event'
        ? DEFAULT_EVENT_RESOLVE_MS
        : 0,
    groupBy: spec.group_by,
    compare: comparator(spec.comparison ?? '>', spec.threshold ?? 0),
  };
}

/** The labels that tell one alert of a rule from another (the series identity). */
export function seriesLabels(rule: CompiledRule, input: Labels, defaults: string[] | 'all'): Labels {
  const keys = rule.groupBy ?? defaults;
  if (keys === 'all') return { ...input };
  const out: Labels = {};
  for (const k of keys) {
    const v = input[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
