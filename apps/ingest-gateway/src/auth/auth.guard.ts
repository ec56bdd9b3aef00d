import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuditLog, type AuditEntry, type ApiKeyScope } from '@airis/security';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error';
import { ApiKeysService, type Principal } from './api-keys.service';
import { AuditThrottle } from './audit-throttle';
import { type RateDecision, RateLimiter } from './rate-limiter';

const SCOPE = 'airis:scope';

/** The scope a route needs; `admin` keys may do everything. */
export const RequireScope = (scope: ApiKeyScope): MethodDecorator & ClassDecorator => SetMetadata(SCOPE, scope);

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

export function principalOf(request: FastifyRequest): Principal {
  const p = (request as AuthenticatedRequest).principal;
  if (!p) throw new ApiError(401, 'unauthorized', 'authentication required');
  return p;
}

/**
 * Bearer API key → 401 (missing, unknown, revoked), scope → 403, per-key token bucket → 429
 * with Retry-After. Refusals are audit events on airis.audit.v1 (published in the background so
 * a flood of bad keys cannot slow the answer).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly throttle = new AuditThrottle();

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditLog,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const scope = this.reflector.getAllAndOverride<ApiKeyScope | undefined>(SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!scope) return true;
    await this.authorize(context.switchToHttp().getRequest<AuthenticatedRequest>(), scope);
    return true;
  }

  /**
   * The whole check for one request, also used by the plain Fastify ingest routes: returns the
   * principal (also set on `request.principal`) or throws the ApiError to answer. Synchronous
   * on the hot path (known key, token in the local lease); a promise only while the rate
   * limiter waits for a claim.
   */
  authorize(request: AuthenticatedRequest, scope: ApiKeyScope): Principal | Promise<Principal> {
    const auth = this.keys.authenticate(request.headers.authorization);
    if (!auth.ok) {
      this.refused({
        actor: auth.keyId ? `api-key:${auth.keyId}` : 'anonymous',
        action: 'api.authenticate',
        outcome: 'denied',
        target: targetOf(request),
        reason: `${auth.reason} API key`,
        source_ip: request.ip,
      });
      throw new ApiError(
        401,
        'unauthorized',
        auth.reason === 'missing' ? 'an API key is required (Authorization: Bearer <key>)' : 'invalid API key',
        undefined,
        { 'www-authenticate': 'Bearer realm="airis-mon"' },
      );
    }
    const principal = auth.principal;
    if (!principal.scopes.includes(scope) && !principal.scopes.includes('admin')) {
      this.refused({
        actor: `api-key:${principal.keyId}`,
        action: 'api.authorize',
        outcome: 'denied',
        target: targetOf(request),
        reason: `scope ${scope} required`,
        source_ip: request.ip,
      });
      throw new ApiError(403, 'forbidden', `this API key lacks the ${scope} scope`);
    }
    const decision = this.limiter.take(principal.keyId, principal.ratePerSecond, principal.burst);
    if (decision instanceof Promise) return decision.then((d) => admitted(request, principal, d));
    return admitted(request, principal, decision);
  }

  private refused(entry: AuditEntry): void {
    const kept = this.throttle.admit(entry);
    if (kept) this.audit.recordInBackground(kept);
  }
}

function targetOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url}`;
}

function admitted(request: AuthenticatedRequest, principal: Principal, decision: RateDecision): Principal {
  if (!decision.allowed) {
    throw new ApiError(429, 'rate_limited', `rate limit of ${principal.ratePerSecond}/s exceeded`, undefined, {
      'retry-after': String(decision.retryAfterSeconds),
    });
  }
  request.principal = principal;
  return principal;
}
