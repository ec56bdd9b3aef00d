import { isoTime } from './envelope';

describe('isoTime', () => {
  it('writes what Date#toISOString writes, whatever came before', () => {
    const times = [
      0, 1, 999, 1000, 1001, -1, -999, -1000, -1001, 1_796_052_363_856, 1_796_052_363_001, 1_796_052_364_000,
    ];
    for (let i = 0; i < 2000; i++) times.push(Math.floor((Math.sin(i) * 1e13) / (1 + (i % 7))));
    for (let i = 0; i < 100; i++) times.push(1_796_052_363_000 + i * 37);
    for (const ms of times) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    expect(isoTime(1.5)).toBe(new Date(1.5).toISOString());
    expect(() => isoTime(8.64e15 + 500)).toThrow(RangeError);
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });

  it('is Date#toISOString for every millisecond across second, day and year boundaries, and past year 9999', () => {
    const starts = [0, 1732248000000, Date.UTC(2026, 11, 31, 23, 59, 59, 990), 253402300799990];
    for (const start of starts) {
      for (let ms = start; ms < start + 30; ms++) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    expect(isoTime(253402300800000)).toBe(new Date(253402300800000).toISOString()); // year 10000
  });
});
