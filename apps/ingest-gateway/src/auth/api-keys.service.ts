import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ServiceEnv } from '@airis/config';
import { ConfigStore, type ConfigResource } from '@airis/config-store';
import { API_KEY_KIND, type ApiKeySpecDto } from '@airis/contracts';
import { AppError } from '@airis/resilience';
import { type ApiKeyScope, apiKeyId, generateApiKey, hashApiKey, safeEqual } from '@airis/security';
import { GATEWAY_ENV } from '../gateway.tokens';
import type { GatewayEnv } from '../gateway.config';

/** The id of the key configured by AIRIS_BOOTSTRAP_ADMIN_KEY (which need not have the airis_ format). */
export const BOOTSTRAP_KEY_ID = 'bootstrap';
const MAX_CACHED_HASHES = 10_000;

export interface Principal {
  keyId: string;
  name: string;
  scopes: readonly ApiKeyScope[];
  ratePerSecond: number;
  burst: number;
}

export type Authentication =
  | { ok: true; principal: Principal }
  | { ok: false; reason: 'missing' | 'malformed' | 'unknown' | 'revoked'; keyId?: string };

/**
 * API keys are `api-key` config resources on airis.config.v1, so every replica holds all of
 * them in memory (ConfigStore) and a revocation reaches every replica within the topic's
 * latency. Lookups are a Map read plus one SHA-256 and a constant-time compare.
 */
@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ApiKeysService.name);
  /**
   * SHA-256 of keys that authenticated before (bounded): the hot ingest path skips re-hashing
   * the same key on every request. Only keys that matched a stored hash get in, so unknown keys
   * cannot fill it; the stored hash and revocation are still checked on every request.
   */
  private readonly hashes = new Map<string, string>();
  /**
   * Authorization headers that authenticated, with the resource object they matched (bounded,
   * only matching keys get in). Valid while the store still holds that very object for the key.
   */
  private readonly verified = new Map<
    string,
    { resource: ConfigResource<ApiKeySpecDto>; principal: Principal; verdict: Authentication; generation: number }
  >();
  /** Principal per stored resource object (a change replaces the object, so this never goes stale). */
  private readonly principals = new WeakMap<ConfigResource<ApiKeySpecDto>, Principal>();

  constructor(
    private readonly store: ConfigStore,
    private readonly env: ServiceEnv,
    @Inject(GATEWAY_ENV) private readonly config: GatewayEnv,
  ) {}

  /** Writes the bootstrap admin key on first start (when no such resource exists yet). */
  async onApplicationBootstrap(): Promise<void> {
    const key = this.env.AIRIS_BOOTSTRAP_ADMIN_KEY;
    if (!key || this.store.get(API_KEY_KIND, BOOTSTRAP_KEY_ID)) return;
    const spec: ApiKeySpecDto = {
      name: 'bootstrap admin key',
      hash: hashApiKey(key),
      scopes: ['admin', 'ingest', 'read'],
      created_at: Date.now(),
      created_by: 'AIRIS_BOOTSTRAP_ADMIN_KEY',
    };
    try {
      await this.store.put(API_KEY_KIND, BOOTSTRAP_KEY_ID, spec, { actor: 'system', expectedRevision: 0 });
      this.logger.log('bootstrap admin key registered');
    } catch (error) {
      // Another replica registered it first.
      if (!(error instanceof AppError && error.code === 'config_conflict')) throw error;
    }
  }

  authenticate(authorization: string | undefined): Authentication {
    if (!authorization) return { ok: false, reason: 'missing' };
    // Hot path: this exact header authenticated before, and its key's resource is still the
    // same object (any change, revocation included, replaces it): one Map read and one compare.
    // While the store has applied no change at all since, not even that read is needed.
    const known = this.verified.get(authorization);
    if (known) {
      const generation = this.store.generation;
      if (known.generation === generation) return known.verdict;
      if (this.store.get<ApiKeySpecDto>(API_KEY_KIND, known.principal.keyId) === known.resource) {
        known.generation = generation;
        return known.verdict;
      }
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const key = match?.[1];
    if (!key) return { ok: false, reason: 'malformed' };
    const keyId = apiKeyId(key) ?? BOOTSTRAP_KEY_ID;
    const resource = this.store.get<ApiKeySpecDto>(API_KEY_KIND, keyId);
    const hash = this.hashes.get(key) ?? hashApiKey(key);
    if (!resource || !safeEqual(resource.spec.hash, hash)) {
      return { ok: false, reason: 'unknown', ...(keyId === BOOTSTRAP_KEY_ID ? {} : { keyId }) };
    }
    if (!this.hashes.has(key)) {
      if (this.hashes.size >= MAX_CACHED_HASHES) this.hashes.clear();
      this.hashes.set(key, hash);
    }
    if (resource.spec.revoked_at !== undefined) {
      this.verified.delete(authorization);
      return { ok: false, reason: 'revoked', keyId };
    }
    const principal = this.principal(resource);
    const verdict: Authentication = { ok: true, principal };
    if (this.verified.size >= MAX_CACHED_HASHES) this.verified.clear();
    this.verified.set(authorization, { resource, principal, verdict, generation: this.store.generation });
    return verdict;
  }

  private principal(resource: ConfigResource<ApiKeySpecDto>): Principal {
    let principal = this.principals.get(resource);
    if (!principal) {
      principal = this.buildPrincipal(resource);
      this.principals.set(resource, principal);
    }
    return principal;
  }

  private buildPrincipal(resource: ConfigResource<ApiKeySpecDto>): Principal {
    return {
      keyId: resource.id,
      name: resource.spec.name,
      scopes: resource.spec.scopes,
      ratePerSecond: resource.spec.rate_limit?.per_second ?? this.config.RATE_LIMIT_PER_SECOND,
      burst: resource.spec.rate_limit?.burst ?? this.config.RATE_LIMIT_BURST,
    };
  }

  list(): ConfigResource<ApiKeySpecDto>[] {
    return this.store.list<ApiKeySpecDto>(API_KEY_KIND);
  }

  get(id: string): ConfigResource<ApiKeySpecDto> | undefined {
    return this.store.get<ApiKeySpecDto>(API_KEY_KIND, id);
  }

  /** Creates a key; the clear key is returned here and nowhere else. */
  async create(
    input: { name: string; scopes: ApiKeyScope[]; rate_limit?: { per_second: number; burst: number } },
    actor: string,
  ): Promise<{ key: string; resource: ConfigResource<ApiKeySpecDto> }> {
    const { id, key, hash } = generateApiKey();
    const spec: ApiKeySpecDto = {
      name: input.name,
      hash,
      scopes: input.scopes,
      ...(input.rate_limit ? { rate_limit: input.rate_limit } : {}),
      created_at: Date.now(),
      created_by: actor,
    };
    const resource = await this.store.put(API_KEY_KIND, id, spec, { actor, expectedRevision: 0 });
    return { key, resource };
  }

  /** Marks a key revoked (kept, so lists and audits still name it); false when unknown. */
  async revoke(id: string, actor: string): Promise<ConfigResource<ApiKeySpecDto> | undefined> {
    const current = this.get(id);
    if (!current) return undefined;
    if (current.spec.revoked_at !== undefined) return current;
    return this.store.put(
      API_KEY_KIND,
      id,
      { ...current.spec, revoked_at: Date.now() },
      { actor, expectedRevision: current.revision },
    );
  }
}
