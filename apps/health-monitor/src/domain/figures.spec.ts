import { type Sample, availability, percentile, series, windowFigures } from './figures';

describe('percentile (nearest rank)', () => {
  it.each([
    [[], 50, null],
    [[7], 95, 7],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
  ])('%j p%d = %s', (values, p, expected) => expect(percentile(values, p)).toBe(expected));
});

describe('availability', () => {
  it('is the share of observed time not down; unknown time is not observed', () => {
    const timeline = [
      { at: 0, status: 'healthy' as const },
      { at: 60, status: 'down' as const },
      { at: 80, status: 'unknown' as const },
      { at: 90, status: 'degraded' as const },
    ];
    // healthy 0-60, down 60-80, unknown 80-90 (left out), degraded 90-100
    expect(availability(timeline, 0, 100)).toBeCloseTo(70 / 90);
    // Clipped to the window, including the change in force at its start.
    expect(availability(timeline, 70, 100)).toBeCloseTo(10 / 20);
    expect(availability([], 0, 100)).toBeNull();
    expect(availability([{ at: 200, status: 'healthy' }], 0, 100)).toBeNull();
  });
});

describe('windowFigures', () => {
  const samples: Sample[] = [
    { t: 10, status: 'healthy', latency_ms: 100, items: 5 },
    { t: 20, status: 'down', latency_ms: 900 },
    { t: 30, status: 'healthy', latency_ms: 200, items: 7 },
    { t: 200_000, status: 'healthy', latency_ms: 1 }, // outside
  ];

  it('counts checks, error rate, latency percentiles and throughput inside the window', () => {
    expect(windowFigures(samples, [{ at: 0, status: 'healthy' }], 0, 120_000)).toEqual({
      checks: 3,
      error_rate: 0.3333,
      availability: 1,
      latency_p50_ms: 200,
      latency_p95_ms: 900,
      items: 12,
      throughput_per_min: 6,
    });
  });

  it('says null, not zero, where nothing is known', () => {
    expect(windowFigures([], [], 0, 60_000)).toEqual({
      checks: 0,
      error_rate: null,
      availability: null,
      latency_p50_ms: null,
      latency_p95_ms: null,
      items: null,
      throughput_per_min: null,
    });
  });
});

describe('series', () => {
  it('buckets samples into p95 latency and error rate per bucket, gaps as null', () => {
    const s = series(
      [
        { t: 1000, status: 'healthy', latency_ms: 10 },
        { t: 1500, status: 'down', latency_ms: 30 },
        { t: 3500, status: 'healthy' },
      ],
      1000,
      4000,
      1000,
    );
    expect(s).toEqual({ t: [1, 2, 3], latency_p95_ms: [30, null, null], error_rate: [0.5, null, 0] });
  });
});
