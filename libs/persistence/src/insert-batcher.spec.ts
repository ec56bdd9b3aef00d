import { InsertBatcher, InsertError } from './insert-batcher';

interface Doc {
  _id: string;
  size?: number;
}

/** An insertMany that records its batches and is answered by the test, one call at a time. */
class FakeTarget {
  readonly calls: { docs: Doc[]; settle: (error?: Error) => void }[] = [];

  insertMany(docs: Doc[], options: { ordered: false }): Promise<unknown> {
    expect(options).toEqual({ ordered: false });
    return new Promise((resolve, reject) => {
      this.calls.push({ docs, settle: (error) => (error === undefined ? resolve({}) : reject(error)) });
    });
  }
}

const outcome = (p: Promise<void>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof InsertError ? `code ${e.code}` : `error ${(e as Error).message}`),
  );

const bulkError = (writeErrors: unknown, writeConcern?: unknown): Error =>
  Object.assign(new Error('bulk'), { writeErrors, result: { getWriteConcernError: () => writeConcern } });

describe('InsertBatcher', () => {
  const make = (target: FakeTarget, maxDocs = 10, maxBytes = 1000): InsertBatcher<Doc> =>
    new InsertBatcher<Doc>(target, { maxDocs, maxBytes, sizeOf: (d) => d.size ?? 1 });

  it('sends a lone insert at once and gathers the ones that arrive meanwhile into the next call', async () => {
    const target = new FakeTarget();
    const batcher = make(target);
    const first = outcome(batcher.insert({ _id: 'a' }));
    expect(target.calls.map((c) => c.docs.map((d) => d._id))).toEqual([['a']]);
    const rest = ['b', 'c', 'd'].map((id) => outcome(batcher.insert({ _id: id })));
    expect(target.calls).toHaveLength(1);
    target.calls[0]!.settle();
    expect(await first).toBe('ok');
    await Promise.resolve();
    expect(target.calls.map((c) => c.docs.map((d) => d._id))).toEqual([['a'], ['b', 'c', 'd']]);
    target.calls[1]!.settle();
    expect(await Promise.all(rest)).toEqual(['ok', 'ok', 'ok']);
  });

  it('fails only the documents the server refused, with their code', async () => {
    const target = new FakeTarget();
    const batcher = make(target);
    const blocker = outcome(batcher.insert({ _id: 'x' }));
    const results = ['a', 'b', 'c'].map((id) => outcome(batcher.insert({ _id: id })));
    target.calls[0]!.settle();
    await blocker;
    await Promise.resolve();
    target.calls[1]!.settle(bulkError([{ index: 1, code: 11000, errmsg: 'E11000 duplicate key' }]));
    expect(await Promise.all(results)).toEqual(['ok', 'code 11000', 'ok']);
  });

  it('a single write error (not an array) is mapped the same way', async () => {
    const target = new FakeTarget();
    const result = outcome(make(target).insert({ _id: 'a' }));
    target.calls[0]!.settle(bulkError({ index: 0, code: 11000 }));
    expect(await result).toBe('code 11000');
  });

  it('fails every document when the batch failed as a whole', async () => {
    const target = new FakeTarget();
    const down = outcome(make(target).insert({ _id: 'a' }));
    target.calls[0]!.settle(new Error('connection closed'));
    expect(await down).toBe('error connection closed');
  });

  it('fails every document of a batch with a write concern error, even those without a write error', async () => {
    const target = new FakeTarget();
    const batcher = make(target);
    const blocker = outcome(batcher.insert({ _id: 'x' }));
    const both = [outcome(batcher.insert({ _id: 'b' })), outcome(batcher.insert({ _id: 'c' }))];
    target.calls[0]!.settle();
    await blocker;
    await Promise.resolve();
    expect(target.calls[1]!.docs.map((d) => d._id)).toEqual(['b', 'c']);
    target.calls[1]!.settle(bulkError([{ index: 0, code: 11000 }], { code: 64 }));
    expect(await Promise.all(both)).toEqual(['error bulk', 'error bulk']);
  });

  it('keeps batches within the document and byte limits, oldest first', async () => {
    const target = new FakeTarget();
    const batcher = make(target, 3, 10);
    const all = [outcome(batcher.insert({ _id: 'first' }))];
    for (const [id, size] of [
      ['a', 4],
      ['b', 4],
      ['c', 4],
      ['d', 1],
      ['e', 1],
      ['f', 1],
      ['g', 1],
    ] as const) {
      all.push(outcome(batcher.insert({ _id: id, size })));
    }
    for (let i = 0; i < 4; i++) {
      await Promise.resolve();
      await Promise.resolve();
      target.calls[i]!.settle();
    }
    expect(await Promise.all(all)).toEqual(Array(8).fill('ok'));
    expect(target.calls.map((c) => c.docs.map((d) => d._id))).toEqual([
      ['first'],
      ['a', 'b'],
      ['c', 'd', 'e'],
      ['f', 'g'],
    ]);
  });
});
