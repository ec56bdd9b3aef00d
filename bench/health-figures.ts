/*
 * What the health monitor's in-memory figures cost: one full report (1 h and 24 h windows of
 * every component) for 100 components with 24 h of samples each at one report per 15 s (5760
 * samples, as a service heartbeat or a busy integration check produces). Baseline, in the same
 * run: serialising that report to JSON, which every API answer and dashboard push does anyway.
 * A third arm computes only the 1 h windows: the cost of a push while the 24 h figures are cached.
 * Arms interleaved 5 times; medians reported.
 */
import { performance } from 'node:perf_hooks';
import { type Sample, type StatusChange, windowFigures } from '../apps/health-monitor/src/domain/figures';

const COMPONENTS = 100;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const EVERY = 15_000;
const now = Date.now();

const components = Array.from({ length: COMPONENTS }, (_, c) => {
  const samples: Sample[] = [];
  for (let t = now - DAY; t < now; t += EVERY) {
    samples.push({
      t,
      status: (t / EVERY + c) % 97 === 0 ? 'down' : 'healthy',
      latency_ms: 50 + ((t / EVERY) % 200),
      items: 3,
    });
  }
  const timeline: StatusChange[] = [
    { at: now - DAY, status: 'healthy' },
    { at: now - HOUR / 2, status: 'down' },
    { at: now - HOUR / 3, status: 'healthy' },
  ];
  return { name: `component-${c}`, samples, timeline };
});

const buildReport = () =>
  Object.fromEntries(
    components.map((c) => [
      c.name,
      {
        '1h': windowFigures(c.samples, c.timeline, now - HOUR, now),
        '24h': windowFigures(c.samples, c.timeline, now - DAY, now),
      },
    ]),
  );

// What a push costs with the monitor's 24 h cache warm: only the 1 h windows are computed.
const buildHourOnly = () =>
  Object.fromEntries(components.map((c) => [c.name, windowFigures(c.samples, c.timeline, now - HOUR, now)]));

const report = buildReport();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = (fn: () => unknown): number => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};

const compute: number[] = [];
const hourOnly: number[] = [];
const serialise: number[] = [];
for (let round = 0; round < 5; round++) {
  compute.push(time(buildReport));
  hourOnly.push(time(buildHourOnly));
  serialise.push(time(() => JSON.stringify(report)));
}
const c = median(compute);
const h = median(hourOnly);
const s = median(serialise);
console.log(`health figures, ${COMPONENTS} components × ${components[0]!.samples.length} samples (24 h at 15 s)`);
console.log('arm                         median ms   runs');
console.log(`figures (1 h + 24 h)        ${c.toFixed(1).padStart(9)}   ${compute.map((x) => x.toFixed(0)).join(' ')}`);
console.log(`figures, 24 h cached (1 h)  ${h.toFixed(1).padStart(9)}   ${hourOnly.map((x) => x.toFixed(1)).join(' ')}`);
console.log(
  `baseline: JSON of report    ${s.toFixed(1).padStart(9)}   ${serialise.map((x) => x.toFixed(1)).join(' ')}`,
);
console.log(`figure health_report_100_components ${c.toFixed(1)} ms`);
console.log(`figure health_report_100_components_cached ${h.toFixed(1)} ms`);
console.log(`ratio health_figures_vs_json ${(c / s).toFixed(1)}`);
console.log(`ratio health_figures_cached_vs_json ${(h / s).toFixed(1)}`);
