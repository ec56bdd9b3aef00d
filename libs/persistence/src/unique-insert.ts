import type { Collection, OptionalUnlessRequiredId } from 'mongodb';
import type { Model } from 'mongoose';
import { ownFailures } from './insert-batcher';

/** A duplicate key (11000): the unique `_id` (or index) is taken. */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number } | null)?.code === 11000;
}

/**
 * Inserts; false when the `_id` exists already. The write FerretDB 1.24 makes exclusive (a
 * unique index check), and scan-free where a lookup or an update by `_id` scans the collection.
 */
export async function insertUnique<T extends { _id: string }>(col: Collection<T>, doc: T): Promise<boolean> {
  try {
    await col.insertOne(doc as OptionalUnlessRequiredId<T>);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/**
 * `insertUnique` for a mongoose model (its casting and defaults apply): creates; false when the
 * `_id` exists already (a redelivered record). Use it instead of an upsert with `$setOnInsert`
 * for write-once documents: on FerretDB 1.24 such an upsert scans the whole collection
 * (`npm run bench:ferretdb-writes`: 4 / 28 / 103 ms at 1 000 / 10 000 / 40 000 documents), an
 * insert stays at ~1.1–1.4 ms.
 */
export async function createUnique<T>(model: Model<T>, doc: Partial<T> & { _id: string }): Promise<boolean> {
  try {
    await model.create(doc);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/**
 * `insertUnique` for many documents: one unordered `insertMany`; per document, whether this call
 * created it (false: its `_id` existed). Any other failure throws (none is known stored).
 */
export async function insertManyUnique<T extends { _id: string }>(col: Collection<T>, docs: T[]): Promise<boolean[]> {
  const created = docs.map(() => true);
  if (docs.length === 0) return created;
  try {
    await col.insertMany(docs as OptionalUnlessRequiredId<T>[], { ordered: false });
  } catch (error) {
    const own = ownFailures(error);
    if (own?.every((e) => e.code === 11000)) {
      for (const e of own) created[e.index] = false;
    } else if (!own && docs.length === 1 && isDuplicateKey(error)) {
      created[0] = false;
    } else {
      throw error;
    }
  }
  return created;
}
