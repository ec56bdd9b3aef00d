export * from './bootstrap';
export * from './heartbeat.service';
