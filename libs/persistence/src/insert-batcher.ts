import type { OptionalUnlessRequiredId } from 'mongodb';
import { GroupCommit } from './group-commit';

/** The one call the batcher makes: an unordered `insertMany` (a driver `Collection` has it). */
export interface InsertManyTarget<T> {
  insertMany(docs: OptionalUnlessRequiredId<T>[], options: { ordered: false }): Promise<unknown>;
}

/** One document's own failure inside a batch, with the server's code (11000: duplicate key). */
export class InsertError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
  ) {
    super(message);
    this.name = 'InsertError';
  }
}

interface WriteErrorLike {
  index: number;
  code?: number;
  errmsg?: string;
}

/**
 * The documents that failed on their own (`MongoBulkWriteError.writeErrors`), or undefined when
 * the outcome of the others is not known: no per-document errors, or a write concern error.
 */
export function ownFailures(error: unknown): WriteErrorLike[] | undefined {
  const bulk = error as {
    writeErrors?: WriteErrorLike | WriteErrorLike[];
    result?: { getWriteConcernError?: () => unknown };
  } | null;
  const raw = bulk?.writeErrors;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.length === 0 || bulk?.result?.getWriteConcernError?.() !== undefined) return undefined;
  return list;
}

/**
 * Group commit for single-document inserts (`GroupCommit`): while one `insertMany` is in flight,
 * the inserts that arrive wait and then go together as the next one. Nothing waits when nothing
 * is in flight, so a lone insert costs what `insertOne` costs. Each caller learns its own
 * document's outcome: unordered, so one duplicate key fails that document only (`InsertError`,
 * code 11000), and the unique `_id` check is the same as for `insertOne`. On FerretDB (SQLite) a
 * batch of ten costs about what two single inserts do, and concurrent single inserts queue for
 * its one writer anyway.
 */
export class InsertBatcher<T> {
  private readonly commit: GroupCommit<OptionalUnlessRequiredId<T>, undefined>;

  constructor(
    private readonly target: InsertManyTarget<T>,
    limits: { maxDocs: number; maxBytes: number; sizeOf: (doc: T) => number },
  ) {
    this.commit = new GroupCommit((docs) => this.write(docs), {
      maxItems: limits.maxDocs,
      maxWeight: limits.maxBytes,
      weight: (doc) => limits.sizeOf(doc as T),
    });
  }

  async insert(doc: OptionalUnlessRequiredId<T>): Promise<void> {
    await this.commit.submit(doc);
  }

  private async write(docs: OptionalUnlessRequiredId<T>[]): Promise<(undefined | Error)[]> {
    const outcomes: (undefined | Error)[] = docs.map(() => undefined);
    try {
      await this.target.insertMany(docs, { ordered: false });
    } catch (error) {
      // The batch as a whole failed (connection, server down, write concern): none is known stored.
      const writeErrors = ownFailures(error);
      if (!writeErrors) throw error;
      for (const e of writeErrors) outcomes[e.index] = new InsertError(e.errmsg ?? 'insert failed', e.code);
    }
    return outcomes;
  }
}
