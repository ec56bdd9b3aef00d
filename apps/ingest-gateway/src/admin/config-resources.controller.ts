import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, type Type, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CONFIG_KINDS, type ConfigKindEntry } from '@airis/contracts';
import type { FastifyRequest } from 'fastify';
import { AuthGuard, RequireScope, principalOf } from '../auth/auth.guard';
import { ERROR_SCHEMA, WEBHOOK_SCHEMA } from '../http/openapi-schemas';
import { ConfigResourcesService, type ResourceView } from './config-resources.service';

const RESOURCE_SCHEMA = {
  type: 'object' as const,
  properties: {
    id: { type: 'string' as const },
    kind: { type: 'string' as const },
    revision: { type: 'integer' as const },
    updated_at: { type: 'integer' as const },
    updated_by: { type: 'string' as const },
    spec: { type: 'object' as const, description: 'The resource; secret fields read "********"' },
  },
};

/** One admin CRUD controller per registry kind (`/api/v1/<path>`); `admin` to write, `read` to read. */
function controllerFor(entry: ConfigKindEntry): Type {
  const bodySchema =
    entry.kind === 'webhook-subscription' ? WEBHOOK_SCHEMA : { type: 'object' as const, additionalProperties: true };
  const tag = entry.path.replace('/', '-');

  @ApiTags(tag)
  @ApiBearerAuth()
  @Controller(`api/v1/${entry.path}`)
  @UseGuards(AuthGuard)
  class ConfigKindController {
    constructor(readonly resources: ConfigResourcesService) {}

    @Post()
    @HttpCode(201)
    @RequireScope('admin')
    @ApiOperation({
      summary: `Create ${entry.description.toLowerCase()}`,
      description: `Config kind \`${entry.kind}\` on airis.config.v1.`,
    })
    @ApiBody({ schema: bodySchema })
    @ApiResponse({ status: 201, description: 'Created', schema: RESOURCE_SCHEMA })
    @ApiResponse({ status: 400, description: 'Invalid configuration', schema: ERROR_SCHEMA })
    create(@Body() body: unknown, @Req() req: FastifyRequest): Promise<ResourceView> {
      return this.resources.create(entry, body, `api-key:${principalOf(req).keyId}`);
    }

    @Get()
    @RequireScope('read')
    @ApiOperation({ summary: `List ${entry.description.toLowerCase()}` })
    @ApiResponse({
      status: 200,
      description: 'All resources',
      schema: { type: 'object', properties: { items: { type: 'array', items: RESOURCE_SCHEMA } } },
    })
    list(): { items: ResourceView[] } {
      return { items: this.resources.list(entry) };
    }

    @Get(':id')
    @RequireScope('read')
    @ApiParam({ name: 'id' })
    @ApiResponse({ status: 200, description: 'The resource', schema: RESOURCE_SCHEMA })
    @ApiResponse({ status: 404, description: 'Not found', schema: ERROR_SCHEMA })
    one(@Param('id') id: string): ResourceView {
      return this.resources.get(entry, id);
    }

    @Put(':id')
    @RequireScope('admin')
    @ApiParam({ name: 'id' })
    @ApiOperation({
      summary: 'Create or replace',
      description: 'Secret fields omitted or sent back as "********" keep their stored value.',
    })
    @ApiBody({ schema: bodySchema })
    @ApiResponse({ status: 200, description: 'Stored', schema: RESOURCE_SCHEMA })
    @ApiResponse({ status: 400, description: 'Invalid configuration', schema: ERROR_SCHEMA })
    replace(@Param('id') id: string, @Body() body: unknown, @Req() req: FastifyRequest): Promise<ResourceView> {
      return this.resources.replace(entry, id, body, `api-key:${principalOf(req).keyId}`);
    }

    @Delete(':id')
    @HttpCode(204)
    @RequireScope('admin')
    @ApiParam({ name: 'id' })
    @ApiResponse({ status: 204, description: 'Deleted (tombstone on airis.config.v1)' })
    @ApiResponse({ status: 404, description: 'Not found', schema: ERROR_SCHEMA })
    async remove(@Param('id') id: string): Promise<void> {
      await this.resources.remove(entry, id);
    }
  }
  Object.defineProperty(ConfigKindController, 'name', {
    value: `${entry.kind.replace(/(^|[-_])(\w)/g, (_m, _s, c: string) => c.toUpperCase())}Controller`,
  });
  return ConfigKindController;
}

export function configControllers(): Type[] {
  return CONFIG_KINDS.filter((k) => !k.dedicated).map(controllerFor);
}
