export * from './config-store';
export * from './config-store.module';
export * from './config-store.options';
