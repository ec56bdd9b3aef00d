import { type TestContext, createTestContext } from '@airis/testing';
import mongoose from 'mongoose';
import { MongoCheckpointStore } from './checkpoint.store';

/* Checkpoints on the real FerretDB: compare-and-set on seq, JSON values with awkward keys. */
describe('MongoCheckpointStore', () => {
  let ctx: TestContext;
  let connection: mongoose.Connection;

  beforeAll(async () => {
    ctx = createTestContext('checkpoints');
    connection = await mongoose
      .createConnection(ctx.mongoUri, { retryWrites: false, serverSelectionTimeoutMS: 5000 })
      .asPromise();
  });

  afterAll(async () => {
    await connection?.close();
    await ctx?.cleanup();
  });

  it('saves only against the seq it loaded, and keeps values with dotted and $ keys intact', async () => {
    const store = new MongoCheckpointStore(connection);
    expect(await store.load('i1')).toBeUndefined();
    const value = { models: { 'fraud.detector': { $alias: 'champion' } }, watermark: 17 };
    expect(await store.save('i1', value, 0)).toBe(true);
    expect(await store.save('i1', { stale: true }, 0)).toBe(false); // a second first-writer loses
    expect(await store.load('i1')).toEqual({ value, seq: 1 });
    expect(await store.save('i1', { watermark: 18 }, 1)).toBe(true);
    expect(await store.save('i1', { watermark: 99 }, 1)).toBe(false); // stale writer loses
    expect(await store.load('i1')).toEqual({ value: { watermark: 18 }, seq: 2 });
    await store.remove('i1');
    expect(await store.load('i1')).toBeUndefined();
  });
});
