import { Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReceiveWebhookUseCase } from '../receive-webhook.usecase';

const SOURCE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** `POST /webhooks/{sourceId}`: the raw body (a Buffer, see RawBodyParser) goes to the use case. */
@Controller('webhooks')
export class WebhookController {
  constructor(private readonly receiveWebhook: ReceiveWebhookUseCase) {}

  @Post(':sourceId')
  async receive(
    @Param('sourceId') sourceId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const result = SOURCE_ID.test(sourceId)
      ? await this.receiveWebhook.receive({ sourceId, headers, body, peerAddress: request.socket.remoteAddress })
      : {
          status: 404,
          contentType: 'application/json',
          body: JSON.stringify({ error: 'not_found', message: 'unknown webhook source' }),
        };
    await reply
      .status(result.status)
      .headers({ 'content-type': result.contentType, 'cache-control': 'no-store', ...result.headers })
      .send(result.body);
  }
}
