// Why write-once documents are inserted, not upserted (`npm run bench:ferretdb-writes`): on the
// local FerretDB, the time of one write-once write by `_id` as the collection grows — an upsert
// with $setOnInsert (what the health monitor did per health report) vs an insert, and an insert
// of an `_id` that exists (a redelivery). Prints `ratio ferretdb_upsert_vs_insert_<n> <v>`.
import { MongoClient } from 'mongodb';

const uri = (process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/airis').replace(/\/[^/]*$/, '/');
const sizes = (process.env.BENCH_SIZES ?? '1000,10000,40000').split(',').map(Number);
const WRITES = 50;
const client = await MongoClient.connect(uri);
const db = client.db(`bench_ferretdb_writes_${process.pid}`);
try {
  const col = db.collection('samples');
  console.log('documents   upsert by _id   insert   insert of an existing _id   (ms per write, mean of 50)');
  for (const n of sizes) {
    const have = await col.countDocuments();
    const docs = [];
    for (let i = have; i < n; i++)
      docs.push({ _id: `s-${i}`, component: 'c', t: i, status: 'healthy', expiresAt: new Date() });
    for (let i = 0; i < docs.length; i += 5000) await col.insertMany(docs.slice(i, i + 5000), { ordered: false });
    const time = async (write) => {
      const started = performance.now();
      for (let i = 0; i < WRITES; i++) await write(i);
      return (performance.now() - started) / WRITES;
    };
    const upsert = await time((i) =>
      col.updateOne({ _id: `u-${n}-${i}` }, { $setOnInsert: { component: 'c', t: i } }, { upsert: true }),
    );
    const insert = await time((i) => col.insertOne({ _id: `i-${n}-${i}`, component: 'c', t: i }));
    const duplicate = await time((i) =>
      col.insertOne({ _id: `i-${n}-${i}`, component: 'c', t: i }).then(
        () => {
          throw new Error('expected a duplicate key');
        },
        (error) => {
          if (error?.code !== 11000) throw error;
        },
      ),
    );
    console.log(
      `${String(n).padStart(9)}   ${upsert.toFixed(2).padStart(13)}   ${insert.toFixed(2).padStart(6)}   ${duplicate.toFixed(2).padStart(25)}`,
    );
    console.log(`ratio ferretdb_upsert_vs_insert_${n} ${(upsert / insert).toFixed(1)}`);
  }
} finally {
  await db.dropDatabase();
  await client.close();
}
