import { type DynamicModule, Module } from '@nestjs/common';
import { loadConfig } from '@airis/config';
import { INHIBIT_RULE_KIND, ROUTE_KIND, RULE_KIND, SILENCE_KIND, TIME_INTERVAL_KIND } from '@airis/contracts';
import { ConfigStoreModule } from '@airis/config-store';
import { AlertLifecycle } from './alerts/alert-lifecycle.service';
import { CommandsConsumer } from './alerts/commands.consumer';
import { Evaluator } from './domain/evaluator';
import { EventsConsumer } from './ingest/events.consumer';
import { MetricsConsumer } from './ingest/metrics.consumer';
import { PartitionOwnership } from './ingest/partition-ownership.service';
import { RuleConfig } from './rules/rule-config.service';
import { RouterTicker } from './router-ticker.service';
import { ROUTER_ENV, RouterEnv } from './router.config';
import { Dispatcher } from './routing/dispatcher.service';

export const ROUTER_CONFIG_KINDS = [RULE_KIND, ROUTE_KIND, SILENCE_KIND, INHIBIT_RULE_KIND, TIME_INTERVAL_KIND];

@Module({})
export class EventRouterModule {
  /** `env` defaults to the process environment (tests pass their own). */
  static forRoot(env?: Record<string, string | undefined>): DynamicModule {
    const routerEnv = loadConfig(RouterEnv, env);
    return {
      module: EventRouterModule,
      imports: [ConfigStoreModule.forRoot({ kinds: ROUTER_CONFIG_KINDS })],
      providers: [
        { provide: ROUTER_ENV, useValue: routerEnv },
        { provide: Evaluator, useValue: new Evaluator(routerEnv.ROUTER_DEDUP_IDS_PER_PARTITION) },
        Dispatcher,
        AlertLifecycle,
        PartitionOwnership,
        RuleConfig,
        RouterTicker,
        MetricsConsumer,
        EventsConsumer,
        CommandsConsumer,
      ],
      exports: [Evaluator, AlertLifecycle, Dispatcher, RouterTicker],
    };
  }
}
