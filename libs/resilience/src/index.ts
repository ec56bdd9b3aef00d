export * from './app-error';
export * from './backoff';
