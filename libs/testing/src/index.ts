export * from './infra';
export * from './poll';
export * from './test-context';
