import { type TestContext, createTestContext } from '@airis/testing';
import { type Collection, MongoClient } from 'mongodb';
import mongoose from 'mongoose';
import { type RateSlotDoc, RateSlots } from './rate-slots';

/*
 * Per-endpoint rate slots shared by replicas, on the real FerretDB: each `RateSlots` stands for
 * one notifier replica, and all of them claim windows in one collection.
 */
describe('RateSlots (shared by replicas)', () => {
  const INTERVAL = 1_000;
  let ctx: TestContext;
  let connection: mongoose.Connection;
  let claims: Collection<RateSlotDoc>;

  beforeAll(async () => {
    ctx = createTestContext('rate-slots');
    connection = await mongoose
      .createConnection(ctx.mongoUri, { retryWrites: false, serverSelectionTimeoutMS: 5000 })
      .asPromise();
    claims = connection.collection<RateSlotDoc>('notifier_rate_slots');
  });

  afterAll(async () => {
    await connection?.close();
    await ctx?.cleanup();
  });

  it('gives a window to one replica only, even when all ask at once; the others wait for the next', async () => {
    const replicas = Array.from({ length: 4 }, () => new RateSlots(() => claims));
    const now = 1_700_000_000_250; // inside window 1_700_000_000
    const answers = await Promise.all(replicas.map((r) => r.take('slack-team/slack', INTERVAL, now)));
    expect(answers.filter((a) => a === undefined)).toHaveLength(1);
    expect(answers.filter((a) => a !== undefined)).toEqual(Array(3).fill(1_700_000_001_000));
    // The losers remember the window: asking again within it costs no claim.
    const loser = replicas[answers.findIndex((a) => a !== undefined)]!;
    const before = await claims.countDocuments();
    expect(await loser.take('slack-team/slack', INTERVAL, now + 500)).toBe(1_700_000_001_000);
    expect(await claims.countDocuments()).toBe(before);
    // In the next window one of them gets it.
    const next = await Promise.all(replicas.map((r) => r.take('slack-team/slack', INTERVAL, now + 1_000)));
    expect(next.filter((a) => a === undefined)).toHaveLength(1);
    expect(next.filter((a) => a !== undefined)).toEqual(Array(3).fill(1_700_000_002_000));
  });

  it('keeps endpoints apart, and a replica waits a full interval after its own send', async () => {
    const a = new RateSlots(() => claims);
    const b = new RateSlots(() => claims);
    const now = 1_800_000_000_100;
    expect(await a.take('r1/slack', INTERVAL, now)).toBeUndefined();
    expect(await b.take('r2/slack', INTERVAL, now)).toBeUndefined();
    a.sent('r1/slack', INTERVAL);
    const gap = await a.take('r1/slack', INTERVAL, Date.now());
    expect(gap).toBeGreaterThan(Date.now() + INTERVAL / 2);
  });

  it('claims carry an expiry a minute past their window, for the sweeper', async () => {
    const slots = new RateSlots(() => claims);
    await slots.take('r3/slack', INTERVAL, 1_900_000_000_000);
    const doc = await claims.findOne({ _id: 'r3/slack@1900000000' });
    expect(doc?.expiresAt.getTime()).toBe(1_900_000_001_000 + 60_000);
  });

  it('sends anyway when MongoDB cannot take the claim', async () => {
    // A client for a port nothing listens on: the driver's own error, quickly.
    const dead = new MongoClient('mongodb://127.0.0.1:1/airis', { serverSelectionTimeoutMS: 300 });
    try {
      const slots = new RateSlots(() => dead.db().collection<RateSlotDoc>('notifier_rate_slots'));
      expect(await slots.take('r4/slack', INTERVAL, 2_000_000_000_000)).toBeUndefined();
    } finally {
      await dead.close();
    }
  });
});
