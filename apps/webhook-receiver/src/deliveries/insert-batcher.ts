import type { OptionalUnlessRequiredId } from 'mongodb';

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

interface Pending<T> {
  doc: OptionalUnlessRequiredId<T>;
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
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
function ownFailures(error: unknown): WriteErrorLike[] | undefined {
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
 * Group commit for single-document inserts: while one `insertMany` is in flight, the inserts
 * that arrive wait and then go together as the next one. Nothing waits when nothing is in
 * flight, so a lone insert costs what `insertOne` costs. Each caller learns its own document's
 * outcome: unordered, so one duplicate key fails that document only, and the unique `_id` check
 * is the same as for `insertOne`. On FerretDB (SQLite) a batch of ten costs about what two
 * single inserts do, and concurrent single inserts queue for its one writer anyway.
 */
export class InsertBatcher<T> {
  private queue: Pending<T>[] = [];
  private flushing = false;

  constructor(
    private readonly target: InsertManyTarget<T>,
    private readonly limits: { maxDocs: number; maxBytes: number; sizeOf: (doc: T) => number },
  ) {}

  insert(doc: OptionalUnlessRequiredId<T>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ doc, bytes: this.limits.sizeOf(doc as T), resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        await this.write(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The oldest waiting inserts, up to the limits (always at least one). */
  private take(): Pending<T>[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < this.limits.maxDocs) {
      bytes += this.queue[n]!.bytes;
      if (n > 0 && bytes > this.limits.maxBytes) break;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async write(batch: Pending<T>[]): Promise<void> {
    try {
      await this.target.insertMany(
        batch.map((p) => p.doc),
        { ordered: false },
      );
    } catch (error) {
      const writeErrors = ownFailures(error);
      if (!writeErrors) {
        // The batch as a whole failed (connection, server down, write concern): none is known stored.
        for (const p of batch) p.reject(error);
        return;
      }
      const failed = new Map(writeErrors.map((e) => [e.index, e]));
      for (const [index, p] of batch.entries()) {
        const own = failed.get(index);
        if (own) p.reject(new InsertError(own.errmsg ?? 'insert failed', own.code));
        else p.resolve();
      }
      return;
    }
    for (const p of batch) p.resolve();
  }
}
