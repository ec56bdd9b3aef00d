import { type DynamicModule, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { WEBHOOK_SOURCE_KIND } from '@airis/contracts';
import { ConfigStoreModule } from '@airis/config-store';
import { AlertsConsumer } from './alerts.consumer';
import { CommandsConsumer } from './commands.consumer';
import { DeliveryStore } from './deliveries/delivery.store';
import { WebhookPublisher } from './deliveries/webhook-publisher';
import { RateLimiter } from './http/rate-limiter';
import { RawBodyParser } from './http/raw-body.parser';
import { WebhookController } from './http/webhook.controller';
import { ReceiveWebhookUseCase } from './receive-webhook.usecase';
import { ReplayWebhookUseCase } from './replay-webhook.usecase';
import { SLACK_UPDATE_MODEL, SlackUpdateSchema, SlackUpdates } from './slack/slack-updates';
import { SourceRegistry } from './sources/source-registry';
import { WebhookReceiverEnv } from './webhook-receiver.env';

@Module({})
export class WebhookReceiverModule {
  static forRoot(env: WebhookReceiverEnv): DynamicModule {
    return {
      module: WebhookReceiverModule,
      imports: [
        ConfigStoreModule.forRoot({ kinds: [WEBHOOK_SOURCE_KIND] }),
        MongooseModule.forFeature([{ name: SLACK_UPDATE_MODEL, schema: SlackUpdateSchema }]),
      ],
      controllers: [WebhookController],
      providers: [
        { provide: WebhookReceiverEnv, useValue: env },
        RawBodyParser,
        SourceRegistry,
        RateLimiter,
        DeliveryStore,
        WebhookPublisher,
        SlackUpdates,
        ReceiveWebhookUseCase,
        ReplayWebhookUseCase,
        AlertsConsumer,
        CommandsConsumer,
      ],
    };
  }
}
