import { BlockList, isIP } from 'node:net';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { WEBHOOK_SOURCE_KIND, WebhookSourceSpecDto, describeFieldErrors, validateContract } from '@airis/contracts';
import { ConfigStore } from '@airis/config-store';
import { gauge } from '@airis/observability';
import { SecretBox } from '@airis/security';

/** A webhook source ready to check requests: validated spec, revealed secrets, compiled CIDRs. */
export interface CompiledSource {
  id: string;
  revision: number;
  spec: WebhookSourceSpecDto;
  secrets: string[];
  signingSecrets: string[];
  /** Undefined: any address may deliver. */
  allowed?: BlockList;
  trustedProxies: BlockList;
}

const sourcesGauge = gauge('airis_webhook_sources', 'Webhook sources loaded, by state', ['state']);

export function buildBlockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefix] = cidr.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

export function blockListHas(list: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The `webhook-source` resources of airis.config.v1, followed live: a change applies to the
 * next request, no restart. A resource whose spec is invalid or whose secrets cannot be opened
 * is not served (404, like an unknown source) and is logged.
 */
@Injectable()
export class SourceRegistry implements OnModuleInit {
  private readonly logger = new Logger(SourceRegistry.name);
  private readonly sources = new Map<string, CompiledSource>();
  private readonly broken = new Set<string>();

  constructor(
    private readonly config: ConfigStore,
    private readonly box: SecretBox,
  ) {}

  onModuleInit(): void {
    this.config.watch<Record<string, unknown>>(WEBHOOK_SOURCE_KIND, (change) => {
      if (change.type === 'delete') {
        this.sources.delete(change.id);
        this.broken.delete(change.id);
      } else {
        this.apply(change.id, change.resource.revision, change.resource.spec);
      }
      sourcesGauge.set({ state: 'active' }, this.sources.size);
      sourcesGauge.set({ state: 'invalid' }, this.broken.size);
    });
  }

  get(id: string): CompiledSource | undefined {
    return this.sources.get(id);
  }

  /** Compiles one spec; exported for unit tests through `compile`. */
  private apply(id: string, revision: number, raw: Record<string, unknown>): void {
    try {
      this.sources.set(id, compileSource(id, revision, raw, this.box));
      this.broken.delete(id);
    } catch (error) {
      this.sources.delete(id);
      this.broken.add(id);
      this.logger.warn(`webhook source ${id} (revision ${revision}) not served: ${(error as Error).message}`);
    }
  }
}

export function compileSource(
  id: string,
  revision: number,
  raw: Record<string, unknown>,
  box: SecretBox,
): CompiledSource {
  const result = validateContract(WebhookSourceSpecDto, raw);
  if (!result.ok) throw new Error(`invalid spec: ${describeFieldErrors(result.errors)}`);
  const spec = result.value;
  const reveal = (values: unknown[] | undefined): string[] =>
    (values ?? []).map((v) => box.reveal(v)).filter((v): v is string => typeof v === 'string' && v.length > 0);
  const secrets = reveal(spec.secrets);
  if (secrets.length === 0) throw new Error('no usable secret');
  return {
    id,
    revision,
    spec,
    secrets,
    signingSecrets: reveal(spec.gitlab?.signing_secrets),
    ...(spec.allowed_cidrs && spec.allowed_cidrs.length > 0 ? { allowed: buildBlockList(spec.allowed_cidrs) } : {}),
    trustedProxies: buildBlockList(spec.trusted_proxies ?? ['127.0.0.1/32', '::1/128']),
  };
}
