import type { DELIVERY_OUTCOMES } from '@airis/contracts';

export interface DeliveryOutcome {
  channel: string;
  outcome: (typeof DELIVERY_OUTCOMES)[number];
  timestamp: number;
}

export interface ChannelRate {
  channel: string;
  attempts: number;
  failures: number;
  failure_rate: number;
  /** At or above the threshold with enough attempts to mean something. */
  high: boolean;
}

/** Every outcome but `delivered` is a failed attempt (a retry scheduled is a failure that may heal). */
export function isFailure(outcome: DeliveryOutcome['outcome']): boolean {
  return outcome !== 'delivered';
}

/** Failed-attempt rate per channel, sorted by channel. */
export function deliveryRates(
  attempts: readonly DeliveryOutcome[],
  options: { threshold: number; minAttempts: number },
): ChannelRate[] {
  const by = new Map<string, { attempts: number; failures: number }>();
  for (const a of attempts) {
    const entry = by.get(a.channel) ?? { attempts: 0, failures: 0 };
    entry.attempts++;
    if (isFailure(a.outcome)) entry.failures++;
    by.set(a.channel, entry);
  }
  return [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([channel, { attempts: n, failures }]) => {
      const rate = failures / n;
      return {
        channel,
        attempts: n,
        failures,
        failure_rate: Math.round(rate * 10_000) / 10_000,
        high: n >= options.minAttempts && rate >= options.threshold,
      };
    });
}
