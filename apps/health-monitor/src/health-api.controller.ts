import { BadRequestException, Controller, Get, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import { HEALTH_STATUSES, type HealthStatus } from '@airis/contracts';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DashboardFeed, type DashboardSnapshot } from './dashboard-feed.service';
import { API_ERROR, COMPONENT_DETAIL, HEALTH_REPORT } from './health-api.openapi';
import { type ComponentDetail, type HealthReport, HealthTracker } from './health-tracker.service';

const KINDS = ['service', 'integration'] as const;

/** Splits `a,b` query values and checks each against the allowed ones. */
function listParam<T extends string>(
  field: string,
  raw: string | undefined,
  allowed: readonly T[],
  errors: { field: string; message: string }[],
): T[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const values = raw.split(',').map((v) => v.trim());
  const bad = values.filter((v) => !(allowed as readonly string[]).includes(v));
  if (bad.length > 0)
    errors.push({ field, message: `${field} must be one or more of ${allowed.join(', ')} (got ${bad.join(', ')})` });
  return values as T[];
}

/** The health API (DESIGN.md §8: /api/v1/health/integrations lives on the health monitor). */
@ApiTags('health')
@Controller('api/v1/health')
export class HealthApiController {
  constructor(
    private readonly tracker: HealthTracker,
    private readonly feed: DashboardFeed,
  ) {}

  /**
   * The seed's report `{timestamp, overall_status, integrations: {name: {status, message}}}`,
   * each entry extended with its figures. `kind` and `status` filter the entries (comma
   * separated); `overall_status` and `summary` always cover every component.
   */
  @Get('integrations')
  @ApiOperation({ summary: 'Health report of every service and integration (the seed’s shape, with figures)' })
  @ApiQuery({ name: 'kind', required: false, description: 'service, integration (comma-separated)' })
  @ApiQuery({ name: 'status', required: false, description: 'healthy, degraded, down, unknown (comma-separated)' })
  @ApiOkResponse({ schema: HEALTH_REPORT })
  @ApiBadRequestResponse({ schema: API_ERROR })
  integrations(@Query('kind') kind?: string, @Query('status') status?: string): HealthReport {
    const errors: { field: string; message: string }[] = [];
    const kinds = listParam('kind', kind, KINDS, errors);
    const statuses = listParam<HealthStatus>('status', status, HEALTH_STATUSES, errors);
    if (errors.length > 0)
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        code: 'INVALID_QUERY',
        message: 'invalid query parameters',
        errors,
      });
    const report = this.tracker.report();
    if (!kinds && !statuses) return report;
    const integrations = Object.fromEntries(
      Object.entries(report.integrations).filter(
        ([, e]) => (!kinds || kinds.includes(e.kind)) && (!statuses || statuses.includes(e.status)),
      ),
    );
    return { ...report, integrations };
  }

  /** One component: its entry, its instances and its history (status changes, 1 h and 24 h series). */
  @Get('integrations/:name')
  @ApiOperation({ summary: 'One service or integration with its instances and history' })
  @ApiOkResponse({ schema: COMPONENT_DETAIL })
  @ApiNotFoundResponse({ schema: API_ERROR })
  async integration(@Param('name') name: string): Promise<ComponentDetail> {
    const detail = await this.tracker.detail(name);
    if (!detail) {
      throw new NotFoundException({
        statusCode: 404,
        error: 'Not Found',
        code: 'COMPONENT_NOT_FOUND',
        message: `no service or integration named "${name}" has reported`,
      });
    }
    return detail;
  }

  /** Everything the dashboard shows (also the polling fallback of the stream). */
  @Get('dashboard')
  @ApiOperation({ summary: 'Everything the dashboard shows: report, sparklines, open alerts, deliveries' })
  dashboard(): Promise<DashboardSnapshot> {
    return this.feed.snapshot();
  }

  /** Server-sent events: a `snapshot` event at once and on every change. */
  @Get('stream')
  @ApiOperation({
    summary: 'Server-sent events: a `snapshot` event (the dashboard document) at once and on every change',
  })
  @ApiProduces('text/event-stream')
  stream(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write('retry: 2000\n\n');
    const unsubscribe = this.feed.subscribe(
      (snapshot) => raw.write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`),
      () => raw.end(),
    );
    request.raw.on('close', unsubscribe);
  }
}
