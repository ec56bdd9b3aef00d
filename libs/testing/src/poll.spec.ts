import { pollUntil } from './poll';

describe('pollUntil', () => {
  it('returns the first ready value', async () => {
    let calls = 0;
    await expect(pollUntil(() => (++calls >= 3 ? 'ready' : false), { intervalMs: 1 })).resolves.toBe('ready');
    expect(calls).toBe(3);
  });

  it('treats null and undefined as not ready', async () => {
    let calls = 0;
    const values = [null, undefined, 0];
    await expect(pollUntil(() => values[calls++], { intervalMs: 1 })).resolves.toBe(0);
  });

  it('fails with the description and the last error on timeout', async () => {
    await expect(
      pollUntil(
        () => {
          throw new Error('still down');
        },
        { timeoutMs: 20, intervalMs: 5, description: 'the broker' },
      ),
    ).rejects.toThrow(/timed out after 20 ms waiting for the broker \(last error: still down\)/);
  });
});
