import { backoffDelay, sleep } from './backoff';
import { AppError, classifyError } from './app-error';

describe('backoffDelay', () => {
  const policy = { initialMs: 100, maxMs: 1000, multiplier: 2 };

  it.each([
    [0, 100],
    [1, 200],
    [3, 800],
    [4, 1000],
    [20, 1000],
  ])('attempt %i is capped at %i ms', (attempt, ceiling) => {
    expect(backoffDelay(attempt, policy, () => 0.999999)).toBe(Math.round(0.999999 * ceiling));
    expect(backoffDelay(attempt, policy, () => 0)).toBe(0);
  });

  it('spreads delays (full jitter)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, policy)));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe('sleep', () => {
  it('wakes early and reports false when aborted', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    await expect(pending).resolves.toBe(false);
  });

  it('resolves true after the delay', async () => {
    await expect(sleep(1)).resolves.toBe(true);
  });
});

describe('classifyError', () => {
  it.each([
    [AppError.permanent('BAD', 'x'), 'PERMANENT', 'BAD', true],
    [AppError.transient('DOWN', 'x'), 'TRANSIENT', 'DOWN', true],
    [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'TRANSIENT', 'ECONNREFUSED', true],
    [
      Object.assign(new Error('no'), { name: 'MongoServerSelectionError' }),
      'TRANSIENT',
      'MongoServerSelectionError',
      true,
    ],
    [Object.assign(new Error('bad request'), { retriable: false }), 'PERMANENT', 'Error', true],
    [new Error('surprise'), 'TRANSIENT', 'Error', false],
    ['a string', 'TRANSIENT', 'UNKNOWN', false],
  ])('%s → %s', (error, errorClass, code, certain) => {
    expect(classifyError(error)).toEqual(expect.objectContaining({ errorClass, code, certain }));
  });
});
