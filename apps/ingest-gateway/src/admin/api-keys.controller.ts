import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ConfigResource } from '@airis/config-store';
import type { ApiKeySpecDto } from '@airis/contracts';
import { API_KEY_SCOPES, AuditLog, type ApiKeyScope } from '@airis/security';
import {
  IsArray,
  ArrayMinSize,
  ArrayUnique,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import type { FastifyRequest } from 'fastify';
import { validateContract } from '@airis/contracts';
import { ApiKeysService } from '../auth/api-keys.service';
import { AuthGuard, RequireScope, principalOf } from '../auth/auth.guard';
import { ApiError } from '../http/api-error';
import { ERROR_SCHEMA } from '../http/openapi-schemas';

class RateLimitInput {
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  per_second!: number;

  @IsInt()
  @Min(1)
  @Max(10_000_000)
  burst!: number;
}

export class CreateApiKeyInput {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  name!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes!: ApiKeyScope[];

  @IsOptional()
  @ValidateNested()
  @Type(() => RateLimitInput)
  rate_limit?: RateLimitInput;
}

interface ApiKeyView {
  id: string;
  name: string;
  scopes: string[];
  rate_limit?: { per_second: number; burst: number };
  created_at: number;
  created_by?: string;
  revoked_at?: number;
  revision: number;
}

function view(r: ConfigResource<ApiKeySpecDto>): ApiKeyView {
  const { hash: _hash, ...spec } = r.spec;
  return { id: r.id, ...spec, revision: r.revision };
}

const KEY_SCHEMA = {
  type: 'object' as const,
  properties: {
    id: { type: 'string' as const },
    name: { type: 'string' as const },
    scopes: { type: 'array' as const, items: { type: 'string' as const, enum: [...API_KEY_SCOPES] } },
    rate_limit: {
      type: 'object' as const,
      properties: { per_second: { type: 'integer' as const }, burst: { type: 'integer' as const } },
    },
    created_at: { type: 'integer' as const },
    revoked_at: { type: 'integer' as const },
  },
};

/** API keys: create (the key is in this one response only), list, get, revoke. Admin scope. */
@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('api/v1/api-keys')
@UseGuards(AuthGuard)
@RequireScope('admin')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly audit: AuditLog,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create an API key',
    description: 'The response holds the key; it is stored hashed and never shown again.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['name', 'scopes'],
      properties: {
        name: { type: 'string' },
        scopes: { type: 'array', items: { type: 'string', enum: [...API_KEY_SCOPES] } },
        rate_limit: { type: 'object', properties: { per_second: { type: 'integer' }, burst: { type: 'integer' } } },
      },
    },
  })
  @ApiResponse({
    status: 201,
    description: 'Created',
    schema: { ...KEY_SCHEMA, properties: { ...KEY_SCHEMA.properties, key: { type: 'string' } } },
  })
  @ApiResponse({ status: 400, description: 'Invalid', schema: ERROR_SCHEMA })
  async create(@Body() body: unknown, @Req() req: FastifyRequest): Promise<ApiKeyView & { key: string }> {
    const input = validateContract(CreateApiKeyInput, body);
    if (!input.ok) throw ApiError.badRequest('invalid API key request', input.errors);
    const actor = `api-key:${principalOf(req).keyId}`;
    const { key, resource } = await this.keys.create(
      {
        name: input.value.name,
        scopes: input.value.scopes,
        ...(input.value.rate_limit ? { rate_limit: { ...input.value.rate_limit } } : {}),
      },
      actor,
    );
    this.audit.recordInBackground({
      actor,
      action: 'api-key.create',
      outcome: 'success',
      target: `api-key:${resource.id}`,
    });
    return { ...view(resource), key };
  }

  @Get()
  @ApiResponse({
    status: 200,
    description: 'Every key (never the key itself)',
    schema: { type: 'object', properties: { items: { type: 'array', items: KEY_SCHEMA } } },
  })
  list(): { items: ApiKeyView[] } {
    return { items: this.keys.list().map(view) };
  }

  @Get(':id')
  @ApiResponse({ status: 200, description: 'One key', schema: KEY_SCHEMA })
  one(@Param('id') id: string): ApiKeyView {
    const r = this.keys.get(id);
    if (!r) throw ApiError.notFound(`API key ${id}`);
    return view(r);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Revoke an API key',
    description: 'Every replica refuses it once the config record reaches it.',
  })
  @ApiResponse({ status: 200, description: 'Revoked', schema: KEY_SCHEMA })
  async revoke(@Param('id') id: string, @Req() req: FastifyRequest): Promise<ApiKeyView> {
    const actor = `api-key:${principalOf(req).keyId}`;
    const r = await this.keys.revoke(id, actor);
    if (!r) throw ApiError.notFound(`API key ${id}`);
    this.audit.recordInBackground({ actor, action: 'api-key.revoke', outcome: 'success', target: `api-key:${id}` });
    return view(r);
  }
}
