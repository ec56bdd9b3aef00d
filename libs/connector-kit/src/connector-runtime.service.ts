import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import {
  type CommandDto,
  EventDto,
  type HealthReportDto,
  INTEGRATION_KIND,
  IntegrationSpecDto,
  MetricBatchDto,
  TOPICS,
  validateContract,
} from '@airis/contracts';
import { type ConfigChange, type ConfigResource, ConfigStore } from '@airis/config-store';
import { KafkaProducer, PartitionAssignments, TopicNames, partitionForKey } from '@airis/kafka';
import { ReadinessRegistry, counter, gauge } from '@airis/observability';
import { SecretBox } from '@airis/security';
import type { Connection } from 'mongoose';
import { type CheckpointStore, MongoCheckpointStore } from './checkpoint.store';
import type { AnyConnectorFactory, Connector } from './connector';
import { ConnectorRegistry } from './connector-registry';
import { CONNECTOR_KIT_OPTIONS, type ConnectorKitOptions } from './connector-kit.options';
import { createHttpClient } from './http-client';
import { IntegrationRunner, type RunOutcome, type RunnerSink, testConnection } from './integration-runner';
import { schedulePolicy } from './schedule';
import { stableId } from './stable-id';

export const COMMAND_ACTIONS = ['test-connection', 'sync-now'] as const;
export type CommandAction = (typeof COMMAND_ACTIONS)[number];
export const COMMAND_RESULT_EVENT = 'integration.command_result';

const runsTotal = counter('airis_connector_runs_total', 'Integration runs by outcome', ['family', 'type', 'outcome']);
const invalidRecords = counter(
  'airis_connector_invalid_records_total',
  'Records a connector produced that break the contract (dropped)',
  ['family', 'type'],
);
const ownedGauge = gauge('airis_connector_integrations_owned', 'Integrations this replica polls', ['family']);

interface Running {
  revision: number;
  runner: IntegrationRunner;
}

interface Built {
  factory: AnyConnectorFactory;
  connector: Connector;
  spec: IntegrationSpecDto;
}

interface CommandDoc {
  _id: string;
  event: EventDto;
  done_at: Date;
}

/**
 * Follows the `integration` resources of its family on `airis.config.v1` and polls those this
 * replica owns. Ownership is Kafka's: an integration belongs to the member of this service's
 * consumer group that holds partition murmur2(id) % N of `airis.commands.v1` — the partition its
 * commands land on — so replicas never poll the same integration and a dead replica's share
 * moves to the survivors when the group rebalances (no lock of our own).
 */
@Injectable()
export class ConnectorRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ConnectorRuntime.name);
  readonly instanceId: string;
  private readonly registry: ConnectorRegistry;
  private readonly checkpoints: CheckpointStore;
  private readonly desired = new Map<string, ConfigResource<IntegrationSpecDto>>();
  private readonly running = new Map<string, Running>();
  /** Revision of each invalid integration already reported, so a bad config is reported once. */
  private readonly invalidReported = new Map<string, number>();
  private owned: ReadonlySet<number> = new Set();
  private reconciling: Promise<void> = Promise.resolve();
  private stopped = false;
  private unsubscribe: (() => void)[] = [];
  private readonly commandsTopic: string;

  constructor(
    @Inject(CONNECTOR_KIT_OPTIONS) private readonly options: ConnectorKitOptions,
    private readonly store: ConfigStore,
    private readonly producer: KafkaProducer,
    private readonly assignments: PartitionAssignments,
    private readonly secrets: SecretBox,
    private readonly readiness: ReadinessRegistry,
    @InjectConnection() private readonly connection: Connection,
    topics: TopicNames,
  ) {
    this.registry = new ConnectorRegistry(options.family, options.factories);
    this.checkpoints = new MongoCheckpointStore(connection);
    this.commandsTopic = topics.of('commands');
    this.instanceId =
      options.env.CONNECTOR_INSTANCE_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  onApplicationBootstrap(): void {
    this.readiness.register('integrations', () =>
      Promise.resolve({
        up: true,
        detail: `${this.running.size} of ${this.desired.size} integration(s) polled here (partitions ${[...this.owned].join(',') || 'none'})`,
      }),
    );
    this.unsubscribe.push(
      this.store.watch<IntegrationSpecDto>(INTEGRATION_KIND, (change) => this.onConfig(change)),
      this.assignments.onChange((assigned) => {
        this.owned = new Set(assigned.get(this.commandsTopic) ?? []);
        this.logger.log(`owns partitions [${[...this.owned].join(',')}] of ${this.commandsTopic}`);
        this.reconcile();
      }),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const u of this.unsubscribe) u();
    await this.reconciling;
    await Promise.all([...this.running.values()].map((r) => r.runner.stop()));
    this.running.clear();
  }

  /** Integration ids this replica polls now. */
  ownedIntegrations(): string[] {
    return [...this.running.keys()].sort();
  }

  /** The runner of an integration polled here (tests, commands). */
  runnerOf(id: string): IntegrationRunner | undefined {
    return this.running.get(id)?.runner;
  }

  owns(id: string): boolean {
    return this.owned.has(partitionForKey(id, TOPICS.commands.partitions));
  }

  private onConfig(change: ConfigChange<IntegrationSpecDto>): void {
    if (change.type === 'delete') {
      this.desired.delete(change.id);
      void this.checkpoints.remove(change.id).catch(() => undefined);
    } else if (change.resource.spec.family === this.options.family) {
      this.desired.set(change.id, change.resource);
    } else {
      this.desired.delete(change.id);
    }
    this.reconcile();
  }

  /** Brings running runners in line with (desired ∩ owned); serialised. */
  private reconcile(): void {
    this.reconciling = this.reconciling
      .then(() => this.reconcileNow())
      .catch((error: unknown) => {
        this.logger.error(`reconcile failed: ${(error as Error).message}`);
      });
  }

  private async reconcileNow(): Promise<void> {
    if (this.stopped) return;
    // Stop in parallel: each waits for its run in flight, which can take up to its time limit.
    const stopping: Promise<void>[] = [];
    for (const [id, r] of [...this.running]) {
      const want = this.desired.get(id);
      if (!want || want.revision !== r.revision || want.spec.enabled === false || !this.owns(id)) {
        this.running.delete(id);
        stopping.push(r.runner.stop().then(() => this.logger.log(`stopped polling ${id}`)));
      }
    }
    await Promise.all(stopping);
    for (const [id, resource] of this.desired) {
      if (this.running.has(id) || resource.spec.enabled === false || !this.owns(id)) continue;
      const built = this.build(resource);
      if (!built.ok) {
        if (this.invalidReported.get(id) !== resource.revision) {
          this.invalidReported.set(id, resource.revision);
          this.logger.warn(`integration ${id} is not valid: ${built.message}`);
          await this.sink(built.type)
            .health(
              id,
              {
                status: 'degraded',
                ok: false,
                latency_ms: 0,
                items: 0,
                message: built.message,
                code: 'invalid_config',
              },
              { code: 'invalid_config', revision: resource.revision },
            )
            .catch((error: unknown) =>
              this.logger.error(`health report for ${id} failed: ${(error as Error).message}`),
            );
        }
        continue;
      }
      const runner = new IntegrationRunner({
        integrationId: id,
        factory: built.value.factory,
        connector: built.value.connector,
        policy: this.policy(built.value.spec),
        checkpoints: this.checkpoints,
        sink: this.sink(built.value.factory.type),
        onRun: (o) =>
          runsTotal.inc({
            family: this.options.family,
            type: built.value.factory.type,
            outcome: o.ok ? 'ok' : 'error',
          }),
      });
      this.running.set(id, { revision: resource.revision, runner });
      try {
        await runner.start();
        this.logger.log(`polling ${id} (${built.value.factory.type})`);
      } catch (error) {
        this.running.delete(id);
        this.logger.error(`could not start ${id}: ${(error as Error).message}`);
      }
    }
    ownedGauge.set({ family: this.options.family }, this.running.size);
  }

  private policy(spec: IntegrationSpecDto) {
    const env = this.options.env;
    return schedulePolicy(spec.schedule, {
      intervalMs: env.CONNECTOR_DEFAULT_INTERVAL_MS,
      jitter: 0.1,
      maxBackoffMs: env.CONNECTOR_MAX_BACKOFF_MS,
      timeoutMs: env.CONNECTOR_RUN_TIMEOUT_MS,
    });
  }

  /** Validates the resource, reveals its secrets and creates the connector. */
  private build(
    resource: ConfigResource<IntegrationSpecDto>,
  ): { ok: true; value: Built } | { ok: false; message: string; type: string } {
    const type = typeof resource.spec.type === 'string' ? resource.spec.type : 'unknown';
    const dto = validateContract(IntegrationSpecDto, resource.spec);
    if (!dto.ok) {
      return {
        ok: false,
        type,
        message: `invalid_config: ${dto.errors.map((e) => `${e.field}: ${e.messages.join(', ')}`).join('; ')}`,
      };
    }
    const spec = dto.value;
    const factory = this.registry.get(spec.type);
    if (!factory) {
      return {
        ok: false,
        type,
        message: `invalid_config: unknown connector type "${spec.type}" (this service offers ${this.registry.types().join(', ')})`,
      };
    }
    const credentials: Record<string, string> = {};
    try {
      for (const [name, value] of Object.entries(spec.credentials ?? {})) {
        const plain = this.secrets.reveal(value);
        if (plain !== undefined) credentials[name] = plain;
      }
    } catch (error) {
      return { ok: false, type, message: `invalid_config: credentials cannot be opened: ${(error as Error).message}` };
    }
    const settings = factory.validate({ ...factory.defaultConfig(), ...spec.settings }, credentials);
    if (!settings.ok) return { ok: false, type, message: `invalid_config: ${settings.errors.join('; ')}` };
    const policy = this.policy(spec);
    const connector = factory.create(
      { id: resource.id, settings: settings.value as unknown, credentials },
      {
        http: createHttpClient({
          // Below the run's limit, so a hung call reports as an HTTP timeout naming the endpoint.
          timeoutMs: Math.min(this.options.env.CONNECTOR_HTTP_TIMEOUT_MS, Math.floor(policy.timeoutMs * 0.9)),
          userAgent: `airis-mon-connector-${this.options.family}`,
        }),
        now: () => Date.now(),
      },
    );
    return { ok: true, value: { factory, connector, spec } };
  }

  private acceptable(type: string, schema: new () => object, record: object): boolean {
    const checked = validateContract(schema, record);
    if (checked.ok) return true;
    invalidRecords.inc({ family: this.options.family, type });
    const why = checked.errors.map((e) => `${e.field}: ${e.messages.join(', ')}`).join('; ');
    this.logger.error(`connector ${type} produced an invalid ${schema.name}, dropped: ${why}`);
    return false;
  }

  private sink(type: string): RunnerSink {
    return {
      publish: async (metrics: MetricBatchDto[], events: EventDto[]) => {
        // A connector bug must not put records on the topics that their consumers dead-letter:
        // such records are dropped (and counted) instead of blocking the integration for good.
        metrics = metrics.filter((m) => this.acceptable(type, MetricBatchDto, m));
        events = events.filter((e) => this.acceptable(type, EventDto, e));
        if (metrics.length > 0) {
          await this.producer.publishMany(
            'metrics',
            metrics.map((m) => ({ key: m.source, value: m, ...(m.id ? { id: m.id } : {}) })),
          );
        }
        if (events.length > 0) {
          await this.producer.publishMany(
            'events',
            events.map((e) => ({ key: e.source, value: e, ...(e.id ? { id: e.id } : {}) })),
          );
        }
      },
      health: async (integrationId: string, outcome: RunOutcome, details: Record<string, unknown>) => {
        const resource = this.desired.get(integrationId);
        const report: HealthReportDto = {
          component: integrationId,
          kind: 'integration',
          status: outcome.status,
          instance: this.instanceId,
          message: outcome.message.slice(0, 2048),
          latency_ms: Math.round(outcome.latency_ms * 100) / 100,
          items: outcome.items,
          ...(resource ? { interval_ms: this.policy(resource.spec).intervalMs } : {}),
          details: { family: this.options.family, type, ...details },
          timestamp: Date.now(),
        };
        await this.producer.publish('health', integrationId, report);
      },
    };
  }

  /**
   * `test-connection` / `sync-now` for an integration of this family; anything else on the
   * shared commands topic is someone else's. A command id handled before (redelivery) only
   * re-publishes its stored result, with the same event id.
   */
  async handleCommand(command: CommandDto): Promise<void> {
    if (!(COMMAND_ACTIONS as readonly string[]).includes(command.action)) return;
    const known = this.desired.get(command.target);
    if (!known) return;
    // A command can arrive right after a rebalance, before the new runner exists.
    if (known.spec.enabled !== false && !this.running.has(command.target) && this.owns(command.target)) {
      await this.reconciling;
    }
    const resource = this.desired.get(command.target);
    if (!resource) return;
    const done = this.connection.collection<CommandDoc>('connector_commands');
    const previous = await done.findOne({ _id: command.id });
    if (previous) {
      await this.producer.publish('events', previous.event.source, previous.event, { id: previous.event.id! });
      return;
    }
    const action = command.action as CommandAction;
    const outcome = await this.execute(action, command.target, resource);
    const event: EventDto = {
      // Deterministic, so a repeated result is deduplicated downstream; within the id limit.
      id: command.id.length <= 120 ? `${command.id}.result` : stableId('cmd-result', command.id),
      source: `airis-connector-${this.options.family}`,
      event_type: COMMAND_RESULT_EVENT,
      severity: outcome.ok ? 'info' : 'warning',
      timestamp: Date.now(),
      data: {
        command_id: command.id,
        action,
        integration_id: command.target,
        integration_type: resource.spec.type,
        outcome: outcome.ok ? 'success' : 'failure',
        status: outcome.status,
        message: outcome.message,
        latency_ms: Math.round(outcome.latency_ms * 100) / 100,
        items: outcome.items,
        instance: this.instanceId,
        issued_by: command.issued_by,
      },
    };
    await this.producer.publish('events', event.source, event, { id: event.id! });
    await done.updateOne({ _id: command.id }, { $setOnInsert: { event, done_at: new Date() } }, { upsert: true });
  }

  private async execute(
    action: CommandAction,
    id: string,
    resource: ConfigResource<IntegrationSpecDto>,
  ): Promise<RunOutcome> {
    const runner = this.running.get(id)?.runner;
    switch (action) {
      case 'sync-now': {
        if (runner) return runner.runNow();
        const why = resource.spec.enabled === false ? 'the integration is disabled' : this.invalidReason(resource);
        return { status: 'unknown', ok: false, latency_ms: 0, items: 0, message: `not synced: ${why}` };
      }
      case 'test-connection': {
        if (runner) return runner.testConnection();
        // Disabled or not polled here: test with a throw-away instance.
        const built = this.build(resource);
        if (!built.ok) return { status: 'degraded', ok: false, latency_ms: 0, items: 0, message: built.message };
        await built.value.connector.start();
        try {
          return await testConnection(built.value.connector);
        } finally {
          await built.value.connector.stop();
        }
      }
    }
  }

  private invalidReason(resource: ConfigResource<IntegrationSpecDto>): string {
    const built = this.build(resource);
    if (!built.ok) return built.message;
    return 'this replica does not own the integration right now (rebalance in progress)';
  }
}
