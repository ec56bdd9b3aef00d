import { deliveryRates } from './delivery-rate';

describe('deliveryRates', () => {
  const at = (channel: string, outcome: 'delivered' | 'failed' | 'retry_scheduled' | 'dead_lettered' | 'refused') => ({
    channel,
    outcome,
    timestamp: 0,
  });

  it('counts every outcome but delivered as a failure, per channel, and flags a high rate with enough attempts', () => {
    const rates = deliveryRates(
      [
        at('slack', 'delivered'),
        at('slack', 'failed'),
        at('slack', 'retry_scheduled'),
        at('slack', 'dead_lettered'),
        at('email', 'refused'),
        at('email', 'delivered'),
      ],
      { threshold: 0.5, minAttempts: 3 },
    );
    expect(rates).toEqual([
      { channel: 'email', attempts: 2, failures: 1, failure_rate: 0.5, high: false }, // too few attempts
      { channel: 'slack', attempts: 4, failures: 3, failure_rate: 0.75, high: true },
    ]);
  });
});
