import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { insertUnique } from '@airis/persistence';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { GATEWAY_ENV } from '../gateway.tokens';
import type { GatewayEnv } from '../gateway.config';

export interface StoredResponse {
  status: number;
  body: unknown;
}

interface IdempotencyDoc {
  _id: string;
  request_hash: string;
  status: number;
  body: string;
  created_at: Date;
  expiresAt: Date;
}

export type IdempotencyLookup =
  { found: false } | { found: true; matches: true; response: StoredResponse } | { found: true; matches: false };

/**
 * Responses of acked requests that carried an `Idempotency-Key`, per API key, for
 * IDEMPOTENCY_TTL_SECONDS: a retry with the same key and body gets the stored response and
 * writes nothing; the same key with another body is refused (422). Expiry is an `expiresAt`
 * field swept periodically (FerretDB has no reliable TTL monitor).
 *
 * Only keys seen before are looked up: each key is first claimed with an insert on its unique
 * `_id` (`gateway_idempotency_claims`), and the stored response is read only when the claim
 * exists already (a retry). Responses are inserted, the first one winning. FerretDB 1.24 scans
 * the collection for a lookup or an update by `_id`, which grows with a day of keys; an insert's
 * unique `_id` is an index check.
 */
@Injectable()
export class IdempotencyStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyStore.name);
  private readonly collection: Collection<IdempotencyDoc>;
  private readonly claims: Collection<{ _id: string; expiresAt: Date }>;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    @InjectConnection() connection: Connection,
    @Inject(GATEWAY_ENV) private readonly config: GatewayEnv,
  ) {
    this.collection = connection.collection<IdempotencyDoc>('gateway_idempotency_keys');
    this.claims = connection.collection('gateway_idempotency_claims');
  }

  onModuleInit(): void {
    this.sweeper = setInterval(() => {
      const expired = { expiresAt: { $lt: new Date() } };
      Promise.all([this.collection.deleteMany(expired), this.claims.deleteMany(expired)]).catch((error: unknown) => {
        this.logger.warn(`idempotency sweep failed: ${(error as Error).message}`);
      });
    }, 60_000);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  static requestHash(route: string, body: Buffer | string): string {
    return createHash('sha256').update(route).update('\n').update(body).digest('hex');
  }

  static docId(keyId: string, idempotencyKey: string): string {
    return `${keyId}:${idempotencyKey}`;
  }

  async lookup(keyId: string, idempotencyKey: string, requestHash: string): Promise<IdempotencyLookup> {
    const id = IdempotencyStore.docId(keyId, idempotencyKey);
    const expiresAt = new Date(Date.now() + this.config.IDEMPOTENCY_TTL_SECONDS * 1000);
    if (await insertUnique(this.claims, { _id: id, expiresAt })) return { found: false };
    const doc = await this.collection.findOne({ _id: id });
    if (!doc || doc.expiresAt.getTime() < Date.now()) return { found: false };
    if (doc.request_hash !== requestHash) return { found: true, matches: false };
    return { found: true, matches: true, response: { status: doc.status, body: JSON.parse(doc.body) as unknown } };
  }

  /** Records an acked response; a concurrent identical request that got there first wins. */
  async save(keyId: string, idempotencyKey: string, requestHash: string, response: StoredResponse): Promise<void> {
    const now = Date.now();
    await insertUnique(this.collection, {
      _id: IdempotencyStore.docId(keyId, idempotencyKey),
      request_hash: requestHash,
      status: response.status,
      body: JSON.stringify(response.body),
      created_at: new Date(now),
      expiresAt: new Date(now + this.config.IDEMPOTENCY_TTL_SECONDS * 1000),
    });
  }
}
