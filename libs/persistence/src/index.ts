export * from './persistence.module';
export * from './unique-insert';
