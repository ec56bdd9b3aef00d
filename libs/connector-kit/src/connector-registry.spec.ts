import type { AnyConnectorFactory } from './connector';
import { ConnectorRegistry } from './connector-registry';
import { validateSettings } from './config-validation';
import { sourceOf, stableId } from './stable-id';
import { authHeaders } from './http-auth';
import { IsInt, IsString, Min } from 'class-validator';

const f = (type: string, family = 'mlops') => ({ type, family }) as AnyConnectorFactory;

describe('ConnectorRegistry', () => {
  it('lists types and refuses duplicates and foreign families, all at once', () => {
    expect(new ConnectorRegistry('mlops', [f('b'), f('a')]).types()).toEqual(['a', 'b']);
    expect(() => new ConnectorRegistry('mlops', [f('a'), f('a'), f('c', 'cloud')])).toThrow(
      /registered twice[\s\S]*belongs to family cloud/,
    );
  });
});

class Sample {
  @IsString() url!: string;
  @IsInt() @Min(1) size: number = 10;
}

describe('validateSettings (bad-input table)', () => {
  it.each([
    [null, ['settings: must be an object']],
    [[], ['settings: must be an object']],
    [{}, ['settings.url: url must be a string']],
    [{ url: 'x', size: 0 }, ['settings.size: size must not be less than 1']],
    [{ url: 'x', extra: 1 }, ['settings.extra: unknown field extra']],
  ])('%j → %j', (raw, errors) => {
    const result = validateSettings(Sample, {}, raw);
    expect(result.ok ? [] : result.errors).toEqual(errors);
  });

  it('applies defaults under the given settings', () => {
    const result = validateSettings(Sample, { size: 5 }, { url: 'x' });
    expect(result.ok && result.value.size).toBe(5);
  });
});

describe('helpers', () => {
  it('stableId is deterministic, distinct per part and within the id limit', () => {
    expect(stableId('p', 'a', 1)).toBe(stableId('p', 'a', 1));
    expect(stableId('p', 'a', 1)).not.toBe(stableId('p', 'a1'));
    expect(stableId('x'.repeat(300), 'a').length).toBeLessThanOrEqual(128);
  });

  it('sourceOf keeps sources within the 256-character key limit', () => {
    expect(sourceOf('mlflow', 'churn')).toBe('mlflow-churn');
    expect(sourceOf('mlflow', 'm'.repeat(400))).toHaveLength(256);
  });

  it('authHeaders builds basic and bearer headers', () => {
    expect(authHeaders({ auth: 'none' }, {})).toEqual({});
    expect(authHeaders({ auth: 'bearer' }, { token: 't' })).toEqual({ authorization: 'Bearer t' });
    expect(authHeaders({ auth: 'basic', username: 'u' }, { password: 'p' })).toEqual({
      authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
    });
  });
});
