import type { Collection, OptionalUnlessRequiredId } from 'mongodb';

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
