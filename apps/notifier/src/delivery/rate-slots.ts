import { Logger } from '@nestjs/common';
import { insertUnique } from '@airis/persistence';
import type { Collection } from 'mongodb';

export interface RateSlotDoc {
  _id: string;
  expiresAt: Date;
}

/**
 * A provider's per-endpoint message rate (Slack: one message per second per incoming webhook),
 * kept by every notifier replica together.
 *
 * Time is cut into windows of the endpoint's interval. Before a send, a replica claims the current
 * window with a unique insert of `<endpoint>@<window>` (FerretDB 1.24's one atomic write; no read
 * of the collection). Only one replica gets the window. The others wait for the next window
 * without asking again. Within a replica, the next send also waits a full interval after the end
 * of the previous send, as it did before the windows were shared.
 *
 * So across replicas at most one message starts per window. Two messages can still be closer than
 * one interval when they fall on both sides of a window boundary; Slack allows short bursts.
 *
 * If MongoDB does not answer, the send goes ahead (the alert matters more than the rate). The
 * replica's own gap still holds, and a 429 from the provider is retried after its `Retry-After`.
 * Claims carry `expiresAt` and are deleted by the sweeper.
 */
export class RateSlots {
  private readonly logger = new Logger(RateSlots.name);
  /** Endpoint → the earliest time (ms) this replica may send to it again. */
  private readonly next = new Map<string, number>();

  constructor(private readonly claims: () => Collection<RateSlotDoc>) {}

  /**
   * The slot for one message to `endpoint` at `now` (ms): `undefined` to send now (the window is
   * this replica's), or the time (ms) to try again.
   */
  async take(endpoint: string, intervalMs: number, now: number): Promise<number | undefined> {
    const local = this.next.get(endpoint) ?? 0;
    if (local > now) return local;
    // Held while the claim is in flight: a concurrent attempt here waits without a second claim.
    this.next.set(endpoint, now + intervalMs);
    const window = Math.floor(now / intervalMs);
    try {
      const claimed = await insertUnique(this.claims(), {
        _id: `${endpoint}@${window}`,
        expiresAt: new Date((window + 1) * intervalMs + 60_000),
      });
      if (claimed) return undefined;
      const at = (window + 1) * intervalMs;
      this.next.set(endpoint, at);
      return at;
    } catch (error) {
      this.logger.warn(`rate slot of ${endpoint} not claimed, sending anyway: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** After a send: this replica's next message to `endpoint` waits `intervalMs` from now. */
  sent(endpoint: string, intervalMs: number): void {
    this.next.set(endpoint, Date.now() + intervalMs);
  }
}
