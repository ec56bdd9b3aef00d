export * from './metrics';
export * from './observability.module';
export * from './readiness';
export * from './tracing';
