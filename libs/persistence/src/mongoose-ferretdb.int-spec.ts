import { type TestContext, createTestContext } from '@airis/testing';
import mongoose, { type Connection, Schema } from 'mongoose';

/*
 * The MongoDB feature set the services design to (DESIGN.md §4), checked through mongoose on
 * the real server the tests run against (FerretDB 1.24 locally, MongoDB in containers).
 */
interface Delivery {
  _id: string;
  channel: string;
  status: 'delivered' | 'failed';
  attempts: number;
  expiresAt: Date;
}

const DeliverySchema = new Schema<Delivery>(
  {
    _id: String,
    channel: { type: String, required: true },
    status: { type: String, required: true },
    attempts: { type: Number, default: 0 },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'deliveries' },
);
DeliverySchema.index({ channel: 1, _id: 1 }, { unique: true });

describe('mongoose on the MongoDB-compatible server', () => {
  let ctx: TestContext;
  let connection: Connection;

  beforeAll(async () => {
    ctx = createTestContext('persistence');
    connection = await mongoose.createConnection(ctx.mongoUri, { retryWrites: false }).asPromise();
  });

  afterAll(async () => {
    await connection.close();
    await ctx.cleanup();
  });

  it('enforces unique indexes', async () => {
    const Unique = connection.model(
      'UniqueName',
      new Schema({ name: { type: String, unique: true } }, { collection: 'unique_names' }),
    );
    await Unique.init();
    await Unique.create({ name: 'a' });
    await expect(Unique.create({ name: 'a' })).rejects.toMatchObject({ code: 11000 });
  });

  it('upserts idempotently ($setOnInsert + $inc)', async () => {
    const Deliveries = connection.model('Delivery', DeliverySchema);
    const upsert = () =>
      Deliveries.updateOne(
        { _id: 'n-1' },
        {
          $setOnInsert: { channel: 'slack', status: 'failed', expiresAt: new Date(Date.now() + 60_000) },
          $inc: { attempts: 1 },
        },
        { upsert: true },
      );
    await upsert();
    await upsert();
    expect(await Deliveries.countDocuments({ _id: 'n-1' })).toBe(1);
    expect((await Deliveries.findById('n-1').lean())?.attempts).toBe(2);
  });

  // The portable subset. FerretDB 1.24 computes only the FIRST accumulator of a $group (every
  // later one silently comes back 0), answers computed $project fields with the literal
  // expression, and refuses $max/$min/$avg — see libs/persistence/README.md.
  it('aggregates with $match / $group (one accumulator) / $sort / $project (inclusion) / $count', async () => {
    const Deliveries = connection.model('Delivery', DeliverySchema);
    const later = new Date(Date.now() + 60_000);
    await Deliveries.insertMany([
      { _id: 'a1', channel: 'pagerduty', status: 'delivered', attempts: 1, expiresAt: later },
      { _id: 'a2', channel: 'pagerduty', status: 'failed', attempts: 3, expiresAt: later },
      { _id: 'a3', channel: 'email', status: 'delivered', attempts: 1, expiresAt: later },
    ]);
    const ours = { $match: { _id: { $in: ['a1', 'a2', 'a3'] } } };
    const attempts = await Deliveries.aggregate<{ _id: string; attempts: number }>([
      ours,
      { $group: { _id: '$channel', attempts: { $sum: '$attempts' } } },
      { $sort: { _id: 1 } },
      { $project: { _id: 1, attempts: 1 } },
    ]);
    expect(attempts).toEqual([
      { _id: 'email', attempts: 1 },
      { _id: 'pagerduty', attempts: 4 },
    ]);
    const totals = await Deliveries.aggregate<{ _id: string; total: number }>([
      ours,
      { $group: { _id: '$channel', total: { $count: {} } } },
      { $sort: { total: -1 } },
    ]);
    expect(totals).toEqual([
      { _id: 'pagerduty', total: 2 },
      { _id: 'email', total: 1 },
    ]);
    const [counted] = await Deliveries.aggregate<{ n: number }>([
      ours,
      { $match: { status: 'delivered' } },
      { $count: 'n' },
    ]);
    expect(counted?.n).toBe(2);
  });

  it('expires documents by an expiresAt sweep (no reliance on TTL indexes)', async () => {
    const Deliveries = connection.model('Delivery', DeliverySchema);
    await Deliveries.create({
      _id: 'old',
      channel: 'webhook',
      status: 'failed',
      expiresAt: new Date(Date.now() - 1000),
    });
    const swept = await Deliveries.deleteMany({ expiresAt: { $lt: new Date() } });
    expect(swept.deletedCount).toBe(1);
    expect(await Deliveries.exists({ _id: 'old' })).toBeNull();
  });
});
