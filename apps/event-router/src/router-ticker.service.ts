import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { histogram } from '@airis/observability';
import { AlertLifecycle } from './alerts/alert-lifecycle.service';
import { Evaluator } from './domain/evaluator';
import { PartitionOwnership } from './ingest/partition-ownership.service';
import { Dispatcher } from './routing/dispatcher.service';
import { ROUTER_ENV, type RouterEnv } from './router.config';

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
    try {
      await this.ownership.refresh(now);
      const evaluations = this.evaluator.evaluate(now, this.ownership.owns);
      await this.lifecycle.apply(evaluations, now, (ruleId) => this.evaluator.getRule(ruleId)?.windowMs);
      await this.lifecycle.sweepOutbox();
      await this.ownership.flushSeen();
      await this.dispatcher.flushDue(now);
    } finally {
      stop();
    }
  }
}
