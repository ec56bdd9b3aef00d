import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigStore } from './config-store';
import { CONFIG_STORE_OPTIONS, type ConfigStoreOptions } from './config-store.options';

/** The live configuration (`airis.config.v1`) for a service; import once in its modules. */
@Global()
@Module({})
export class ConfigStoreModule {
  static forRoot(options: ConfigStoreOptions = {}): DynamicModule {
    return {
      module: ConfigStoreModule,
      providers: [{ provide: CONFIG_STORE_OPTIONS, useValue: options }, ConfigStore],
      exports: [ConfigStore],
    };
  }
}
