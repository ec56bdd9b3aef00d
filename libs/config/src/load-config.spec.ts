import { ConfigError, loadConfig } from './load-config';
import { portVariable, resolvePort, ServiceEnv } from './service-env';
import { assertSupportedNode } from './node-version';

describe('loadConfig(ServiceEnv)', () => {
  it('applies the documented defaults', () => {
    const env = loadConfig(ServiceEnv, {});
    expect(env).toMatchObject({
      KAFKA_BROKERS: '127.0.0.1:9092',
      MONGODB_URI: 'mongodb://127.0.0.1:27017/airis',
      KAFKA_CREATE_TOPICS: true,
      KAFKA_TOPIC_REPLICATION_FACTOR: -1,
      HOST: '127.0.0.1',
    });
  });

  it('converts numbers and booleans from strings', () => {
    const env = loadConfig(ServiceEnv, { HEARTBEAT_INTERVAL_MS: '5000', KAFKA_CREATE_TOPICS: 'false' });
    expect(env.HEARTBEAT_INTERVAL_MS).toBe(5000);
    expect(env.KAFKA_CREATE_TOPICS).toBe(false);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig(ServiceEnv, { KAFKA_BROKERS: '' }).KAFKA_BROKERS).toBe('127.0.0.1:9092');
  });

  it('reports every problem at once, naming each variable', () => {
    let error: unknown;
    try {
      loadConfig(ServiceEnv, {
        KAFKA_BROKERS: 'no port here',
        MONGODB_URI: 'postgres://x',
        KAFKA_CREATE_TOPICS: 'maybe',
        HEARTBEAT_INTERVAL_MS: 'soon',
        AIRIS_MASTER_KEY: 'short',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const variable of [
      'KAFKA_BROKERS',
      'MONGODB_URI',
      'KAFKA_CREATE_TOPICS',
      'HEARTBEAT_INTERVAL_MS',
      'AIRIS_MASTER_KEY',
    ]) {
      expect(problems).toContain(variable);
    }
    expect((error as ConfigError).problems.length).toBeGreaterThanOrEqual(5);
  });
});

describe('resolvePort', () => {
  it('prefers <SERVICE>_PORT over PORT over the default', () => {
    expect(portVariable('ingest-gateway')).toBe('INGEST_GATEWAY_PORT');
    expect(resolvePort('ingest-gateway', 8080, {})).toBe(8080);
    expect(resolvePort('ingest-gateway', 8080, { PORT: '9000' })).toBe(9000);
    expect(resolvePort('ingest-gateway', 8080, { PORT: '9000', INGEST_GATEWAY_PORT: '9001' })).toBe(9001);
  });

  it('rejects a bad port with a clear error', () => {
    expect(() => resolvePort('notifier', 8084, { NOTIFIER_PORT: '70000' })).toThrow(/between 0 and 65535/);
  });
});

describe('assertSupportedNode', () => {
  it('exits with a clear message on Node 20', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    assertSupportedNode('20.20.2');
    expect(exit).toHaveBeenCalledWith(1);
    expect(String(write.mock.calls[0]?.[0])).toContain('needs Node.js 24');
    exit.mockRestore();
    write.mockRestore();
  });

  it('passes on Node 24', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    assertSupportedNode('24.1.0');
    expect(exit).not.toHaveBeenCalled();
    exit.mockRestore();
  });
});
