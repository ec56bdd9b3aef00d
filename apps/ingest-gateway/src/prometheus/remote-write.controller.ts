import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuthGuard, RequireScope, principalOf } from '../auth/auth.guard';
import { GatewayRuntime } from '../gateway-runtime';
import { ApiError } from '../http/api-error';
import { ERROR_SCHEMA } from '../http/openapi-schemas';
import { IngestUseCase, isKafkaUnavailable } from '../ingest/ingest.usecase';
import { RemoteWriteDecodeError, decodeRemoteWrite, remoteWriteToBatches } from './remote-write-mapper';

/** Prometheus remote write 1.0 receiver (snappy-compressed protobuf WriteRequest). */
@ApiTags('prometheus')
@ApiBearerAuth()
@Controller('api/v1/prometheus')
@UseGuards(AuthGuard)
export class RemoteWriteController {
  constructor(
    private readonly ingest: IngestUseCase,
    private readonly runtime: GatewayRuntime,
  ) {}

  @Post('write')
  @HttpCode(204)
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'Prometheus remote write 1.0',
    description: 'Content-Type application/x-protobuf, Content-Encoding snappy.',
  })
  @ApiConsumes('application/x-protobuf')
  @ApiResponse({ status: 204, description: 'Written (Kafka acked)' })
  @ApiResponse({ status: 400, description: 'Undecodable body (not retried by Prometheus)', schema: ERROR_SCHEMA })
  @ApiResponse({
    status: 503,
    description: 'Kafka did not acknowledge in time (Prometheus retries)',
    schema: ERROR_SCHEMA,
  })
  async write(@Req() request: FastifyRequest): Promise<void> {
    const principal = principalOf(request);
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/x-protobuf' || !Buffer.isBuffer(request.body)) {
      throw new ApiError(415, 'unsupported_media_type', 'use application/x-protobuf with Content-Encoding: snappy');
    }
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'snappy') {
      throw new ApiError(415, 'unsupported_media_type', 'only Content-Encoding: snappy is supported');
    }
    let batches;
    try {
      batches = remoteWriteToBatches(decodeRemoteWrite(request.body)).batches();
    } catch (error) {
      if (error instanceof RemoteWriteDecodeError)
        throw ApiError.badRequest(error.message, [{ field: '', messages: [error.message] }]);
      throw error;
    }
    try {
      await this.ingest.writeBatches(principal.keyId, batches);
    } catch (error) {
      if (isKafkaUnavailable(error)) {
        throw new ApiError(503, 'kafka_unavailable', 'the event store did not acknowledge in time', undefined, {
          'retry-after': String(this.runtime.retryAfterSeconds),
        });
      }
      throw error;
    }
  }
}
