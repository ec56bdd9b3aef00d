export * from './persistence.module';
export * from './unique-insert';
export * from './group-commit';
export * from './insert-batcher';
