import { type DynamicModule, Module, type OnModuleInit } from '@nestjs/common';
import { ConfigStoreModule } from '@airis/config-store';
import { loadConfig } from '@airis/config';
import { AlertsConsumer, CommandsConsumer, NotificationsConsumer } from './notifications.consumer';
import { DeliveryDispatcher } from './delivery/delivery.dispatcher';
import { DeliveryStore } from './delivery/delivery.store';
import { EndpointStates } from './delivery/endpoint-states';
import { EnqueueUseCase } from './delivery/enqueue.usecase';
import { ReplayUseCase } from './delivery/replay.usecase';
import { SendDeliveryUseCase } from './delivery/send-delivery.usecase';
import { AttemptSweeper } from './delivery/attempt-sweeper';
import { NOTIFIER_CONFIG, NotifierEnv, toNotifierConfig } from './notifier.config';
import { RECEIVER_KIND, ReceiverRegistry } from './receiver.registry';
import { WEBHOOK_SUBSCRIPTION_KIND } from './channels/subscription';

@Module({})
export class NotifierModule implements OnModuleInit {
  constructor(
    private readonly dispatcher: DeliveryDispatcher,
    private readonly sender: SendDeliveryUseCase,
  ) {}

  /** `env`: the raw environment (validated here, every error listed; start fails on any). */
  static forRoot(env?: Record<string, string | undefined>): DynamicModule {
    return {
      module: NotifierModule,
      imports: [ConfigStoreModule.forRoot({ kinds: [RECEIVER_KIND, WEBHOOK_SUBSCRIPTION_KIND] })],
      providers: [
        { provide: NOTIFIER_CONFIG, useFactory: () => toNotifierConfig(loadConfig(NotifierEnv, env)) },
        DeliveryStore,
        ReceiverRegistry,
        EndpointStates,
        DeliveryDispatcher,
        SendDeliveryUseCase,
        EnqueueUseCase,
        ReplayUseCase,
        AttemptSweeper,
        NotificationsConsumer,
        AlertsConsumer,
        CommandsConsumer,
      ],
      exports: [DeliveryStore, DeliveryDispatcher, SendDeliveryUseCase, NOTIFIER_CONFIG],
    };
  }

  onModuleInit(): void {
    this.dispatcher.attach(this.sender);
  }
}
