import { Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthGuard, RequireScope, principalOf } from '../auth/auth.guard';
import { GatewayRuntime } from '../gateway-runtime';
import { ApiError } from '../http/api-error';
import { ERROR_SCHEMA } from '../http/openapi-schemas';
import { IngestUseCase, isKafkaUnavailable } from '../ingest/ingest.usecase';
import { ExportMetricsServiceResponse, OtlpDecodeError, decodeOtlp, otlpToBatches } from './otlp-mapper';

/** OTLP/HTTP metrics receiver (protobuf and JSON encodings), mapped to airis.metrics.v1. */
@ApiTags('otlp')
@ApiBearerAuth()
@Controller('v1')
@UseGuards(AuthGuard)
export class OtlpController {
  constructor(
    private readonly ingest: IngestUseCase,
    private readonly runtime: GatewayRuntime,
  ) {}

  @Post('metrics')
  @HttpCode(200)
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'OTLP/HTTP metrics export',
    description:
      'ExportMetricsServiceRequest as application/x-protobuf or application/json; answered once Kafka has acked.',
  })
  @ApiConsumes('application/x-protobuf', 'application/json')
  @ApiResponse({ status: 200, description: 'ExportMetricsServiceResponse (same encoding as the request)' })
  @ApiResponse({ status: 400, description: 'Undecodable request', schema: ERROR_SCHEMA })
  @ApiResponse({ status: 503, description: 'Kafka did not acknowledge in time (Retry-After)', schema: ERROR_SCHEMA })
  async export(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const principal = principalOf(request);
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    const binary = contentType === 'application/x-protobuf' || contentType === 'application/protobuf';
    if (!binary && contentType !== 'application/json') {
      throw new ApiError(415, 'unsupported_media_type', 'use application/x-protobuf or application/json');
    }
    let builder;
    try {
      builder = otlpToBatches(decodeOtlp(request.body, binary));
    } catch (error) {
      if (error instanceof OtlpDecodeError)
        throw ApiError.badRequest(error.message, [{ field: '', messages: [error.message] }]);
      throw error;
    }
    try {
      await this.ingest.writeBatches(principal.keyId, builder.batches());
    } catch (error) {
      if (isKafkaUnavailable(error)) {
        throw new ApiError(503, 'kafka_unavailable', 'the event store did not acknowledge in time', undefined, {
          'retry-after': String(this.runtime.retryAfterSeconds),
        });
      }
      throw error;
    }
    const partial =
      builder.skipped > 0
        ? {
            partialSuccess: { rejectedDataPoints: builder.skipped, errorMessage: 'non-finite values are not ingested' },
          }
        : {};
    if (binary) {
      void reply.header('content-type', 'application/x-protobuf');
      return Buffer.from(
        ExportMetricsServiceResponse.encode(ExportMetricsServiceResponse.fromObject(partial)).finish(),
      );
    }
    return partial;
  }
}
