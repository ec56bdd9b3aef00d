import type { RouteSpecDto } from '@airis/contracts';
import { parseDuration } from './duration';
import { type LabelPredicate, type Labels, compileMatchers } from './matchers';

export interface RouteDefaults {
  receiver: string;
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

/** A route with everything inherited from its parents resolved. */
export interface ResolvedRoute {
  /** Position in the tree, e.g. `0.2.1`; part of the group key. */
  path: string;
  receiver: string;
  groupBy: string[] | 'all';
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  sendResolved: boolean;
  muteTimeIntervals: string[];
  activeTimeIntervals: string[];
}

interface Node {
  route: ResolvedRoute;
  matches: LabelPredicate;
  continue: boolean;
  children: Node[];
}

export class RouteTree {
  private constructor(private readonly root: Node) {}

  static compile(spec: RouteSpecDto | undefined, defaults: RouteDefaults): RouteTree {
    const build = (s: RouteSpecDto, parent: ResolvedRoute | undefined, path: string): Node => {
      const route: ResolvedRoute = {
        path,
        receiver: s.receiver ?? parent?.receiver ?? defaults.receiver,
        groupBy: s.group_by ? (s.group_by.includes('...') ? 'all' : s.group_by) : (parent?.groupBy ?? []),
        groupWaitMs: s.group_wait ? parseDuration(s.group_wait) : (parent?.groupWaitMs ?? defaults.groupWaitMs),
        groupIntervalMs: s.group_interval
          ? parseDuration(s.group_interval)
          : (parent?.groupIntervalMs ?? defaults.groupIntervalMs),
        repeatIntervalMs: s.repeat_interval
          ? parseDuration(s.repeat_interval)
          : (parent?.repeatIntervalMs ?? defaults.repeatIntervalMs),
        sendResolved: s.send_resolved ?? parent?.sendResolved ?? true,
        // Mute/active intervals are not inherited (Alertmanager behaves the same).
        muteTimeIntervals: s.mute_time_intervals ?? [],
        activeTimeIntervals: s.active_time_intervals ?? [],
      };
      return {
        route,
        matches: compileMatchers(s.matchers),
        continue: s.continue ?? false,
        children: (s.routes ?? []).map((c, i) => build(c, route, `${path}.${i}`)),
      };
    };
    return new RouteTree(build(spec ?? {}, undefined, '0'));
  }

  /** Every route an alert goes to: the deepest matching nodes, siblings only with `continue`. */
  match(labels: Labels): ResolvedRoute[] {
    const walk = (node: Node): ResolvedRoute[] => {
      const out: ResolvedRoute[] = [];
      for (const child of node.children) {
        if (!child.matches(labels)) continue;
        out.push(...walk(child));
        if (!child.continue) break;
      }
      return out.length > 0 ? out : [node.route];
    };
    return walk(this.root);
  }
}

/** The labels an alert is grouped on, for one route. */
export function groupLabels(route: ResolvedRoute, labels: Labels): Labels {
  if (route.groupBy === 'all') return { ...labels };
  const out: Labels = {};
  for (const key of route.groupBy) out[key] = labels[key] ?? '';
  return out;
}

/** Alertmanager-like group key: `<receiver>/<route path>:{a="x",b="y"}`. */
export function groupKey(route: ResolvedRoute, group: Labels): string {
  const body = Object.keys(group)
    .sort()
    .map((k) => `${k}=${JSON.stringify(group[k])}`)
    .join(',');
  return `${route.receiver}/${route.path}:{${body}}`;
}
