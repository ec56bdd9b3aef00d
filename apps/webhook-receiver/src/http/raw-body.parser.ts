import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WebhookReceiverEnv } from '../webhook-receiver.env';

export const WEBHOOK_PATH_PREFIX = '/webhooks/';

/**
 * Signatures are computed over the exact bytes sent, so webhook routes get the body as a Buffer,
 * whatever its content type (JSON, form-encoded Slack payloads, anything). Other routes of this
 * service keep JSON parsing. Registered before the server is ready, replacing the defaults.
 */
@Injectable()
export class RawBodyParser implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly env: WebhookReceiverEnv,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: this.env.WEBHOOK_BODY_LIMIT_BYTES },
      (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
        const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body);
        if (request.url.startsWith(WEBHOOK_PATH_PREFIX)) {
          done(null, buffer);
          return;
        }
        const type = request.headers['content-type'] ?? '';
        if (!type.includes('json') || buffer.length === 0) {
          done(null, buffer);
          return;
        }
        try {
          done(null, JSON.parse(buffer.toString('utf8')));
        } catch {
          const error = new Error('body is not valid JSON') as Error & { statusCode: number };
          error.statusCode = 400;
          done(error);
        }
      },
    );
  }
}
