import { validateContract } from '../validation';
import { IntegrationSpecDto } from './integration.dto';

const good = { family: 'mlops', type: 'mlflow', settings: { tracking_uri: 'http://mlflow:5000' } };

describe('IntegrationSpecDto', () => {
  it('accepts a minimal and a full spec', () => {
    expect(validateContract(IntegrationSpecDto, good).ok).toBe(true);
    const full = {
      ...good,
      name: 'Registry',
      enabled: false,
      schedule: { interval_ms: 60_000, jitter: 0.1, max_backoff_ms: 300_000, timeout_ms: 30_000 },
      credentials: { token: { $sealed: 'aes-256-gcm', kid: 'k', iv: 'i', tag: 't', data: 'd' } },
    };
    expect(validateContract(IntegrationSpecDto, full).ok).toBe(true);
  });

  it.each([
    [{ ...good, family: 'MLOps' }, 'family'],
    [{ ...good, type: '' }, 'type'],
    [{ ...good, settings: [] }, 'settings'],
    [{ family: 'mlops', type: 'mlflow' }, 'settings'],
    [{ ...good, schedule: { interval_ms: 10 } }, 'schedule.interval_ms'],
    [{ ...good, schedule: { interval_ms: 60_000, jitter: 2 } }, 'schedule.jitter'],
    [{ ...good, schedule: { interval_ms: 60_000, timeout_ms: 1 } }, 'schedule.timeout_ms'],
    [{ ...good, credentials: 'secret' }, 'credentials'],
    [{ ...good, enabled: 'yes' }, 'enabled'],
    [{ ...good, unknown: 1 }, 'unknown'],
  ])('rejects %j at %s', (spec, field) => {
    const result = validateContract(IntegrationSpecDto, spec);
    expect(result.ok ? [] : result.errors.map((e) => e.field)).toContain(field);
  });
});
