import type { MatcherDto } from '@airis/contracts';

export type Labels = Record<string, string>;
export type LabelPredicate = (labels: Labels) => boolean;

/** Compiles matchers into one predicate; all must hold. Regexes are anchored, as in Alertmanager. */
export function compileMatchers(matchers: readonly MatcherDto[] | undefined): LabelPredicate {
  const tests = (matchers ?? []).map((m): LabelPredicate => {
    switch (m.op) {
      case '=':
        return (l) => (l[m.label] ?? '') === m.value;
      case '!=':
        return (l) => (l[m.label] ?? '') !== m.value;
      case '=~': {
        const re = new RegExp(`^(?:${m.value})$`);
        return (l) => re.test(l[m.label] ?? '');
      }
      case '!~': {
        const re = new RegExp(`^(?:${m.value})$`);
        return (l) => !re.test(l[m.label] ?? '');
      }
    }
  });
  if (tests.length === 0) return () => true;
  return (labels) => tests.every((t) => t(labels));
}

/** Parses `label="value"`, `label!=value`, `label=~"re"`, `label!~re` (Alertmanager's text form). */
export function parseMatcher(text: string): MatcherDto {
  const m = /^\s*([A-Za-z_][\w.]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s]*))\s*$/.exec(text);
  if (!m) throw new Error(`invalid matcher "${text}"`);
  const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
  const matcher: MatcherDto = { label: m[1] ?? '', op: m[2] as MatcherDto['op'], value };
  compileMatchers([matcher]); // regex errors surface here
  return matcher;
}
