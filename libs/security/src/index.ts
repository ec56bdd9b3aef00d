export * from './api-key';
export * from './audit-log';
export * from './secret-box';
export * from './security.module';
