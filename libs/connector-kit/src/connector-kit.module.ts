import { type DynamicModule, Module } from '@nestjs/common';
import { INTEGRATION_KIND } from '@airis/contracts';
import { ConfigStoreModule } from '@airis/config-store';
import { CONNECTOR_KIT_OPTIONS, type ConnectorKitOptions } from './connector-kit.options';
import { ConnectorRuntime } from './connector-runtime.service';
import { IntegrationCommandsConsumer } from './integration-commands.consumer';

/**
 * Everything a connector service needs besides its connector types: live integrations from
 * `airis.config.v1`, scheduling, checkpoints, health reports, commands and sharding. The
 * service must consume `commands` (its consumer group is what shards the integrations).
 */
@Module({})
export class ConnectorKitModule {
  static forRoot(options: ConnectorKitOptions): DynamicModule {
    return {
      module: ConnectorKitModule,
      imports: [ConfigStoreModule.forRoot({ kinds: [INTEGRATION_KIND] })],
      providers: [{ provide: CONNECTOR_KIT_OPTIONS, useValue: options }, ConnectorRuntime, IntegrationCommandsConsumer],
      exports: [ConnectorRuntime],
    };
  }
}
