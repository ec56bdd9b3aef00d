export * from './dto/alert.dto';
export * from './dto/event.dto';
export * from './dto/metric-batch.dto';
export * from './dto/operations.dto';
export { IsPlainObject, IsStringRecord, LIMITS } from './dto/validators';
export * from './envelope';
export * from './json-schema';
export * from './topics';
export * from './validation';
