import { PartitionAssignments, partitionForKey } from './partition-assignments';

describe('PartitionAssignments', () => {
  it('tells listeners the current assignment at once and on every change', () => {
    const assignments = new PartitionAssignments();
    const seen: number[][] = [];
    const stop = assignments.onChange((a) => seen.push([...(a.get('t') ?? [])]));
    assignments.assign({ t: [3, 1], other: [0] });
    expect(assignments.of('t')).toEqual([1, 3]);
    assignments.revokeAll();
    assignments.revokeAll(); // nothing held: no second notification
    stop();
    assignments.assign({ t: [2] });
    expect(seen).toEqual([[], [1, 3], []]);
    expect(assignments.of('t')).toEqual([2]);
    expect(assignments.of('missing')).toEqual([]);
  });
});

describe('partitionForKey', () => {
  it('is stable, in range and spreads keys over the partitions', () => {
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 600; i++) {
      const p = partitionForKey(`integration-${i}`, 6);
      expect(p).toBe(partitionForKey(`integration-${i}`, 6));
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(6);
      counts[p] = (counts[p] ?? 0) + 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(50);
  });

  it('matches the Java client murmur2 partitioning of known keys', () => {
    // Values from Kafka's Java DefaultPartitioner (Utils.toPositive(Utils.murmur2(key)) % n):
    // murmur2("21") = -973932308, murmur2("foobar") = -790332482 (Kafka UtilsTest).
    expect(partitionForKey('21', 1000)).toBe((-973932308 & 0x7fffffff) % 1000);
    expect(partitionForKey('foobar', 1000)).toBe((-790332482 & 0x7fffffff) % 1000);
  });
});
