/**
 * Group commit: what is submitted while a write is in flight waits and goes together in the next
 * write, so a store that serialises its writes (FerretDB's one SQLite writer) does one write per
 * group instead of one per item. `write` gets the items in submission order and returns one
 * outcome per item — a value, or an Error for that item alone; a `write` that throws fails every
 * item it had.
 *
 * `gather: false` (default) writes a lone item at once (it costs what a single write costs);
 * `gather: true` waits for the current turn of the event loop to end first, so that the items
 * submitted by one burst of callbacks share the first write too.
 */
export class GroupCommit<T, R> {
  private queue: { item: T; weight: number; resolve: (value: R) => void; reject: (error: unknown) => void }[] = [];
  private writing = false;

  constructor(
    private readonly write: (items: T[]) => Promise<(R | Error)[]>,
    private readonly options: {
      maxItems: number;
      /** With `weight`: a write takes items up to this total (always at least one item). */
      maxWeight?: number;
      weight?: (item: T) => number;
      gather?: boolean;
    },
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, weight: this.options.weight?.(item) ?? 0, resolve, reject });
      if (this.writing) return;
      this.writing = true;
      if (this.options.gather) setImmediate(() => void this.drain());
      else void this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        let outcomes: (R | Error)[] = [];
        let failed = false;
        let failure: unknown;
        try {
          outcomes = await this.write(batch.map((p) => p.item));
        } catch (error) {
          failed = true;
          failure = error;
        }
        for (const [i, p] of batch.entries()) {
          const outcome = outcomes[i];
          if (failed) p.reject(failure);
          else if (outcome instanceof Error) p.reject(outcome);
          else p.resolve(outcome as R);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /** The oldest waiting items, up to the limits (always at least one). */
  private take(): typeof this.queue {
    const { maxItems, maxWeight = Infinity } = this.options;
    let weight = 0;
    let n = 0;
    while (n < this.queue.length && n < maxItems) {
      weight += this.queue[n]!.weight;
      if (n > 0 && weight > maxWeight) break;
      n++;
    }
    return this.queue.splice(0, n);
  }
}
