import type { Connection } from 'mongoose';

export interface StoredCheckpoint<C = unknown> {
  value: C;
  /** Incremented by every save; a save against a stale seq is refused. */
  seq: number;
}

export interface CheckpointStore {
  load<C>(integrationId: string): Promise<StoredCheckpoint<C> | undefined>;
  /** false when another writer saved first (the run's output is still at-least-once). */
  save(integrationId: string, value: unknown, expectedSeq: number): Promise<boolean>;
  remove(integrationId: string): Promise<void>;
}

interface CheckpointDoc {
  _id: string;
  /** JSON text: checkpoint keys are vendor names (model names with dots...) MongoDB may refuse as fields. */
  value: string;
  seq: number;
  updated_at: Date;
}

const DUPLICATE_KEY = 11000;

/** Checkpoints in MongoDB (`connector_checkpoints`), compare-and-set on `seq`. */
export class MongoCheckpointStore implements CheckpointStore {
  constructor(
    private readonly connection: Connection,
    private readonly collectionName = 'connector_checkpoints',
  ) {}

  private get collection() {
    return this.connection.collection<CheckpointDoc>(this.collectionName);
  }

  async load<C>(integrationId: string): Promise<StoredCheckpoint<C> | undefined> {
    const doc = await this.collection.findOne({ _id: integrationId });
    if (!doc) return undefined;
    return { value: JSON.parse(doc.value) as C, seq: doc.seq };
  }

  async save(integrationId: string, value: unknown, expectedSeq: number): Promise<boolean> {
    try {
      const result = await this.collection.updateOne(
        { _id: integrationId, seq: expectedSeq },
        { $set: { value: JSON.stringify(value), seq: expectedSeq + 1, updated_at: new Date() } },
        { upsert: expectedSeq === 0 },
      );
      return result.matchedCount + result.upsertedCount > 0;
    } catch (error) {
      if ((error as { code?: unknown }).code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async remove(integrationId: string): Promise<void> {
    await this.collection.deleteOne({ _id: integrationId });
  }
}

/** For unit tests and the conformance spec. */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly docs = new Map<string, StoredCheckpoint>();

  load<C>(integrationId: string): Promise<StoredCheckpoint<C> | undefined> {
    const doc = this.docs.get(integrationId);
    return Promise.resolve(doc ? { value: structuredClone(doc.value) as C, seq: doc.seq } : undefined);
  }

  save(integrationId: string, value: unknown, expectedSeq: number): Promise<boolean> {
    if ((this.docs.get(integrationId)?.seq ?? 0) !== expectedSeq) return Promise.resolve(false);
    this.docs.set(integrationId, { value: structuredClone(value), seq: expectedSeq + 1 });
    return Promise.resolve(true);
  }

  remove(integrationId: string): Promise<void> {
    this.docs.delete(integrationId);
    return Promise.resolve();
  }
}
