import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigStore, type ConfigResource } from '@airis/config-store';
import { CONFIG_KINDS, type ConfigKindEntry, validateContract } from '@airis/contracts';
import { SecretBox } from '@airis/security';
import { ApiError } from '../http/api-error';

/** What the API shows instead of a secret. */
export const REDACTED = '********';
const SECRET_NAME = /(secret|token|password|passphrase|api_?key|private_?key|routing_?key|credentials?)$/i;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isSealed(v: unknown): boolean {
  return isObject(v) && '$sealed' in v;
}

export interface ResourceView {
  id: string;
  kind: string;
  revision: number;
  updated_at: number;
  updated_by?: string;
  spec: Json;
}

/**
 * Generic admin CRUD over a config kind of the registry: validates the spec with the kind's
 * DTO (any JSON object while the kind has none), seals its secret fields with SecretBox before
 * anything reaches Kafka, and never returns a secret in clear.
 */
@Injectable()
export class ConfigResourcesService {
  constructor(
    private readonly store: ConfigStore,
    private readonly box: SecretBox,
  ) {}

  list(entry: ConfigKindEntry): ResourceView[] {
    return this.store.list(entry.kind).map((r) => this.view(entry, r));
  }

  get(entry: ConfigKindEntry, id: string): ResourceView {
    const r = this.store.get(entry.kind, id);
    if (!r) throw ApiError.notFound(`${entry.kind} ${id}`);
    return this.view(entry, r);
  }

  async create(entry: ConfigKindEntry, body: unknown, actor: string): Promise<ResourceView> {
    const id = newId(body);
    const spec = this.validate(entry, body);
    const sealed = this.seal(entry, spec, undefined);
    return this.view(entry, await this.store.put(entry.kind, id, sealed, { actor, expectedRevision: 0 }));
  }

  /** Create-or-replace; secret fields left out (or sent back redacted) keep their stored value. */
  async replace(entry: ConfigKindEntry, id: string, body: unknown, actor: string): Promise<ResourceView> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id)) {
      throw ApiError.badRequest('invalid id', [{ field: 'id', messages: ['1-128 letters, digits, ".", "_" or "-"'] }]);
    }
    const shadowing = reservedIds(entry).get(id);
    if (shadowing) {
      throw ApiError.badRequest('reserved id', [
        {
          field: 'id',
          messages: [`"${id}" is reserved: /api/v1/${shadowing.path} is the ${shadowing.kind} API`],
        },
      ]);
    }
    const current = this.store.get(entry.kind, id);
    const spec = this.validate(entry, body, current?.spec);
    const sealed = this.seal(entry, spec, current?.spec);
    return this.view(entry, await this.store.put(entry.kind, id, sealed, { actor }));
  }

  async remove(entry: ConfigKindEntry, id: string): Promise<void> {
    if (!(await this.store.delete(entry.kind, id))) throw ApiError.notFound(`${entry.kind} ${id}`);
  }

  private validate(entry: ConfigKindEntry, body: unknown, previous?: Json): Json {
    if (!isObject(body))
      throw ApiError.badRequest('the body must be a JSON object', [
        { field: '', messages: ['body must be a JSON object'] },
      ]);
    // Redacted or omitted secrets on replace stand for the stored (sealed) value.
    const candidate: Json = structuredClone(body);
    if (previous) {
      for (const path of this.secretPaths(entry, previous)) {
        const v = getPath(candidate, path);
        if (v === undefined || v === REDACTED) setPath(candidate, path, getPath(previous, path));
      }
    }
    if (!entry.dto) return candidate;
    const result = validateContract(entry.dto, candidate);
    if (!result.ok) throw ApiError.badRequest(`invalid ${entry.kind}`, result.errors);
    return candidate;
  }

  private seal(entry: ConfigKindEntry, spec: Json, _previous: Json | undefined): Json {
    for (const path of this.secretPaths(entry, spec)) {
      const v = getPath(spec, path);
      // A secret field is a string, or a list of them (two secrets during a rotation).
      const plain = typeof v === 'string' || (Array.isArray(v) && v.some((x) => typeof x === 'string'));
      if (!plain) continue;
      if (!this.box.hasKey) {
        throw new ApiError(503, 'master_key_missing', 'AIRIS_MASTER_KEY is not configured: secrets cannot be stored');
      }
      const seal = (x: unknown): unknown => (typeof x === 'string' ? this.box.seal(x) : x);
      setPath(spec, path, Array.isArray(v) ? v.map(seal) : seal(v));
    }
    return spec;
  }

  private secretPaths(entry: ConfigKindEntry, spec: Json): string[] {
    if (entry.secretFields) {
      // `credentials.*` stands for every member of `credentials`.
      return entry.secretFields.flatMap((path) => {
        if (!path.endsWith('.*')) return [path];
        const parent = path.slice(0, -2);
        const value = getPath(spec, parent);
        return isObject(value) ? Object.keys(value).map((k) => `${parent}.${k}`) : [];
      });
    }
    const out: string[] = [];
    const walk = (v: unknown, prefix: string): void => {
      if (!isObject(v)) return;
      for (const [k, x] of Object.entries(v)) {
        const p = prefix ? `${prefix}.${k}` : k;
        if (SECRET_NAME.test(k) && (typeof x === 'string' || isSealed(x))) out.push(p);
        else walk(x, p);
      }
    };
    walk(spec, '');
    return out;
  }

  private view(entry: ConfigKindEntry, r: ConfigResource): ResourceView {
    const spec = structuredClone(r.spec);
    for (const path of this.secretPaths(entry, spec))
      if (getPath(spec, path) !== undefined) setPath(spec, path, REDACTED);
    // Sealed values anywhere (e.g. written by the CLI) are never shown either.
    const scrub = (v: unknown): unknown => {
      if (isSealed(v)) return REDACTED;
      if (Array.isArray(v)) return v.map(scrub);
      if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)]));
      return v;
    };
    return {
      id: r.id,
      kind: r.kind,
      revision: r.revision,
      updated_at: r.updated_at,
      ...(r.updated_by ? { updated_by: r.updated_by } : {}),
      spec: scrub(spec) as Json,
    };
  }
}

/**
 * Ids a resource of `entry` cannot take because another kind's path continues with them:
 * `integrations/webhooks` would make an integration called `webhooks` unreachable by GET and
 * DELETE (those go to the webhook subscriptions API).
 */
function reservedIds(entry: ConfigKindEntry): Map<string, ConfigKindEntry> {
  const reserved = new Map<string, ConfigKindEntry>();
  for (const other of CONFIG_KINDS) {
    if (other === entry || !other.path.startsWith(`${entry.path}/`)) continue;
    const segment = other.path.slice(entry.path.length + 1).split('/')[0];
    if (segment) reserved.set(segment, other);
  }
  return reserved;
}

function newId(body: unknown): string {
  const name = isObject(body) && typeof body['name'] === 'string' ? body['name'] : '';
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const suffix = randomBytes(4).toString('hex');
  return slug ? `${slug}-${suffix}` : suffix;
}

function getPath(obj: Json, path: string): unknown {
  let v: unknown = obj;
  for (const part of path.split('.')) {
    if (!isObject(v)) return undefined;
    v = v[part];
  }
  return v;
}

function setPath(obj: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let v: Json = obj;
  for (const part of parts.slice(0, -1)) {
    const next = v[part];
    if (!isObject(next)) {
      if (value === undefined) return;
      v[part] = {};
    }
    v = v[part] as Json;
  }
  const last = parts[parts.length - 1] ?? '';
  if (value === undefined) delete v[last];
  else v[last] = value;
}
