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
});
