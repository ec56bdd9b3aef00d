import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { histogram } from '@airis/observability';
import { AlertLifecycle } from './alerts/alert-lifecycle.service';
import { Evaluator } from './domain/evaluator';
import { PartitionOwnership } from './ingest/partition-ownership.service';
import { Dispatcher } from './routing/dispatcher.service';
import { ROUTER_ENV, type RouterEnv } from './router.config';

const HOUSEKEEPING_MS = 1000;
const tickSeconds = histogram('airis_router_tick_duration_seconds', 'Time of one evaluation and dispatch round', []);

/**
 * The clock of everything time-based: windows sliding, `for`, auto-resolve, absence,
 * group_wait/group_interval/repeat_interval. One round at a time, every ROUTER_TICK_MS.
 */
@Injectable()
export class RouterTicker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RouterTicker.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastHousekeeping = 0;

  constructor(
    private readonly evaluator: Evaluator,
    private readonly lifecycle: AlertLifecycle,
    private readonly ownership: PartitionOwnership,
    private readonly dispatcher: Dispatcher,
    @Inject(ROUTER_ENV) private readonly env: RouterEnv,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) => this.logger.error(`tick failed: ${(error as Error).message}`))
        .finally(() => this.schedule());
    }, this.env.ROUTER_TICK_MS);
  }

  /** One round; exposed for tests and the benchmark. */
  async tick(now = Date.now()): Promise<void> {
    const stop = tickSeconds.startTimer();
    const phases: [string, number][] = [];
    let mark = performance.now();
    const phase = (name: string): void => {
      const t = performance.now();
      phases.push([name, t - mark]);
      mark = t;
    };
    try {
      // Housekeeping (claims, outbox) at most once a second, however short the tick: it is
      // MongoDB round trips that a fast tick (tests) must not multiply.
      const housekeeping = now - this.lastHousekeeping >= HOUSEKEEPING_MS;
      if (housekeeping) {
        this.lastHousekeeping = now;
        await this.ownership.refresh(now);
      }
      phase('ownership');
      const evaluations = this.evaluator.evaluate(now, this.ownership.owns);
      phase(`evaluate(${evaluations.length})`);
      await this.lifecycle.apply(evaluations, now, (ruleId) => this.evaluator.getRule(ruleId)?.windowMs);
      phase('lifecycle');
      if (housekeeping) await this.lifecycle.sweepOutbox(now);
      phase('outbox');
      await this.ownership.flushSeen();
      phase('last-seen');
      await this.dispatcher.flushDue(now);
      phase('dispatch');
    } finally {
      const seconds = stop();
      // A round slower than its period delays every timer: say where the time went.
      if (seconds * 1000 > Math.max(this.env.ROUTER_TICK_MS, 1000) * 2) {
        this.logger.warn(
          `slow round ${seconds.toFixed(1)} s: ${phases.map(([n, ms]) => `${n} ${Math.round(ms)} ms`).join(', ')}`,
        );
      }
    }
  }
}
