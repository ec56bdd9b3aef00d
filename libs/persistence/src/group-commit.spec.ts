import { GroupCommit } from './group-commit';

/** A write that records its groups and is settled by the test, one call at a time. */
function recorder<T, R>() {
  const calls: { items: T[]; settle: (outcome: (R | Error)[] | Error) => void }[] = [];
  const write = (items: T[]) =>
    new Promise<(R | Error)[]>((resolve, reject) => {
      calls.push({ items, settle: (o) => (o instanceof Error ? reject(o) : resolve(o)) });
    });
  return { calls, write };
}

const outcome = <R>(p: Promise<R>): Promise<string> =>
  p.then(
    (v) => `ok ${String(v)}`,
    (e: unknown) => `error ${(e as Error).message}`,
  );

describe('GroupCommit', () => {
  it('with gather, writes what one turn of the event loop submitted as one group, then the rest as the next', async () => {
    const { calls, write } = recorder<number, number>();
    const commit = new GroupCommit<number, number>(write, { maxItems: 10, gather: true });
    const first = [1, 2, 3].map((n) => outcome(commit.submit(n)));
    expect(calls).toHaveLength(0); // waits for the turn to end
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((c) => c.items)).toEqual([[1, 2, 3]]);
    const later = [4, 5].map((n) => outcome(commit.submit(n)));
    calls[0]!.settle([10, 20, 30]);
    expect(await Promise.all(first)).toEqual(['ok 10', 'ok 20', 'ok 30']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((c) => c.items)).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    calls[1]!.settle([40, new Error('item 5 refused')]);
    expect(await Promise.all(later)).toEqual(['ok 40', 'error item 5 refused']);
  });

  it('fails every item of a write that throws, and keeps writing what comes after', async () => {
    const { calls, write } = recorder<string, string>();
    const commit = new GroupCommit<string, string>(write, { maxItems: 2 });
    const a = outcome(commit.submit('a'));
    const rest = ['b', 'c', 'd'].map((x) => outcome(commit.submit(x)));
    expect(calls.map((c) => c.items)).toEqual([['a']]);
    calls[0]!.settle(new Error('store down'));
    expect(await a).toBe('error store down');
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((c) => c.items)).toEqual([['a'], ['b', 'c']]); // maxItems
    calls[1]!.settle(['B', 'C']);
    await new Promise((resolve) => setImmediate(resolve));
    calls[2]!.settle(['D']);
    expect(await Promise.all(rest)).toEqual(['ok B', 'ok C', 'ok D']);
  });

  it('takes items up to maxWeight, and always at least one', async () => {
    const { calls, write } = recorder<number, number>();
    const commit = new GroupCommit<number, number>(write, { maxItems: 10, maxWeight: 5, weight: (n) => n });
    const all = [1, 9, 2, 2, 2].map((n) => outcome(commit.submit(n)));
    calls[0]!.settle([1]);
    await new Promise((resolve) => setImmediate(resolve));
    calls[1]!.settle([9]); // heavier than maxWeight, alone
    await new Promise((resolve) => setImmediate(resolve));
    calls[2]!.settle([2, 2]);
    await new Promise((resolve) => setImmediate(resolve));
    calls[3]!.settle([2]);
    await Promise.all(all);
    expect(calls.map((c) => c.items)).toEqual([[1], [9], [2, 2], [2]]);
  });
});
