export * from './load-config';
export * from './node-version';
export * from './service-env';
export * from './services';
