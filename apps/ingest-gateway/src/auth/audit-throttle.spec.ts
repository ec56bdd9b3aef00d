import { AuditThrottle } from './audit-throttle';

describe('AuditThrottle', () => {
  const entry = {
    actor: 'anonymous',
    action: 'api.authenticate',
    outcome: 'denied' as const,
    reason: 'missing API key',
    source_ip: '10.0.0.1',
  };

  it('records the first refusal, folds repeats of the window into the next record', () => {
    const t = new AuditThrottle();
    expect(t.admit(entry, 0)).toEqual(entry);
    expect(t.admit(entry, 1_000)).toBeUndefined();
    expect(t.admit(entry, 2_000)).toBeUndefined();
    expect(t.admit(entry, 10_000)).toEqual({ ...entry, details: { suppressed: 2 } });
  });

  it('keeps different actors, reasons and addresses apart', () => {
    const t = new AuditThrottle();
    expect(t.admit(entry, 0)).toBeDefined();
    expect(t.admit({ ...entry, source_ip: '10.0.0.2' }, 0)).toBeDefined();
    expect(t.admit({ ...entry, actor: 'api-key:x' }, 0)).toBeDefined();
    expect(t.admit({ ...entry, reason: 'unknown API key' }, 0)).toBeDefined();
  });
});
