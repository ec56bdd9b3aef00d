import { type DynamicModule, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { loadConfig } from '@airis/config';
import { AlertsReadModel } from './alerts-read-model.service';
import { AlertsConsumer } from './alerts.consumer';
import { ConsumerLagMonitor } from './consumer-lag.monitor';
import { DashboardFeed } from './dashboard-feed.service';
import { DashboardController } from './dashboard.controller';
import { DeliveriesReadModel } from './deliveries-read-model.service';
import { DeliveriesConsumer } from './deliveries.consumer';
import { EventOutbox } from './event-outbox.service';
import { HealthApiController } from './health-api.controller';
import { HealthMonitorConfig } from './health-monitor.config';
import { HealthTracker } from './health-tracker.service';
import { HealthConsumer } from './health.consumer';
import {
  ALERTS,
  AlertSchema,
  COMPONENTS,
  ComponentSchema,
  DELIVERIES,
  DeliverySchema,
  OUTBOX,
  OutboxSchema,
  SAMPLES,
  SampleSchema,
  TRANSITIONS,
  TransitionSchema,
} from './health.schemas';
import { HistorySweeper } from './history.sweeper';

@Module({})
export class HealthMonitorModule {
  /** `env` is the raw environment; the settings are validated when the module is built. */
  static forRoot(env: Record<string, string | undefined>): DynamicModule {
    return {
      module: HealthMonitorModule,
      imports: [
        MongooseModule.forFeature([
          { name: COMPONENTS, schema: ComponentSchema },
          { name: SAMPLES, schema: SampleSchema },
          { name: TRANSITIONS, schema: TransitionSchema },
          { name: OUTBOX, schema: OutboxSchema },
          { name: ALERTS, schema: AlertSchema },
          { name: DELIVERIES, schema: DeliverySchema },
        ]),
      ],
      controllers: [HealthApiController, DashboardController],
      providers: [
        { provide: HealthMonitorConfig, useFactory: () => loadConfig(HealthMonitorConfig, env) },
        EventOutbox,
        HealthTracker,
        AlertsReadModel,
        DeliveriesReadModel,
        ConsumerLagMonitor,
        HistorySweeper,
        DashboardFeed,
        HealthConsumer,
        AlertsConsumer,
        DeliveriesConsumer,
      ],
    };
  }
}
