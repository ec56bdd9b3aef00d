import 'reflect-metadata';
import { type DynamicModule, type ForwardReference, Logger as NestLogger, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ServiceEnv, loadConfig, resolvePort } from '@airis/config';
import { KafkaModule, type ConsumerOptions } from '@airis/kafka';
import { ObservabilityModule, startTracing, stopTracing } from '@airis/observability';
import { PersistenceModule } from '@airis/persistence';
import { SecurityModule } from '@airis/security';
import { Logger } from 'nestjs-pino';
import { HEARTBEAT_OPTIONS, HeartbeatService } from './heartbeat.service';

type Importable = Type | DynamicModule | ForwardReference | Promise<DynamicModule>;

export interface ServiceDefinition {
  /** kebab-case service name: logs, metrics, consumer group, heartbeats. */
  name: string;
  /** Default port of DESIGN.md §8; `<NAME>_PORT` or `PORT` override it. */
  defaultPort: number;
  /** The app's own modules. */
  imports?: Importable[];
  /** What the service consumes; handlers are checked against it at start. */
  consumer?: Omit<ConsumerOptions, 'groupId'> & { groupId?: string };
  /** Run the Kafka producer in a worker thread (see `KafkaModuleOptions.producerThread`). */
  producerThread?: boolean;
  /** Body limit of the HTTP server, bytes. */
  bodyLimit?: number;
  env?: Record<string, string | undefined>;
  /** Runs after the app is created and before it initialises and listens (body parsers, OpenAPI). */
  beforeListen?: (app: NestFastifyApplication) => void | Promise<void>;
}

export interface RunningService {
  app: NestFastifyApplication;
  url: string;
  env: ServiceEnv;
  close: () => Promise<void>;
}

/** The root module every service shares: config, logs, metrics, health, Kafka, MongoDB, heartbeat. */
export function serviceModule(definition: ServiceDefinition, env: ServiceEnv): DynamicModule {
  @Module({})
  class ServiceRootModule {}
  const consumer = definition.consumer
    ? {
        ...definition.consumer,
        groupId: definition.consumer.groupId ?? `${env.AIRIS_TOPIC_NAMESPACE}airis.${definition.name}`,
      }
    : undefined;
  return {
    // Global so that every app module can inject ServiceEnv.
    global: true,
    module: ServiceRootModule,
    imports: [
      ObservabilityModule.forRoot({ service: definition.name, logLevel: env.LOG_LEVEL }),
      KafkaModule.forRoot({
        clientId: definition.name,
        brokers: env.KAFKA_BROKERS.split(','),
        namespace: env.AIRIS_TOPIC_NAMESPACE,
        replicationFactor: env.KAFKA_TOPIC_REPLICATION_FACTOR,
        createTopics: env.KAFKA_CREATE_TOPICS,
        ...(consumer ? { consumer } : {}),
        ...(definition.producerThread ? { producerThread: true } : {}),
      }),
      PersistenceModule.forRoot({ uri: env.MONGODB_URI }),
      SecurityModule,
      ...(definition.imports ?? []),
    ],
    providers: [
      { provide: HEARTBEAT_OPTIONS, useValue: { service: definition.name, intervalMs: env.HEARTBEAT_INTERVAL_MS } },
      { provide: ServiceEnv, useValue: env },
      HeartbeatService,
    ],
    exports: [ServiceEnv],
  };
}

/**
 * Starts a service: validated config (fail fast, every error listed), NestJS on Fastify, and a
 * graceful shutdown on SIGTERM/SIGINT that stops consumers, flushes the producer and closes
 * connections within SHUTDOWN_TIMEOUT_MS.
 */
export async function startService(definition: ServiceDefinition): Promise<RunningService> {
  const env = loadConfig(ServiceEnv, definition.env);
  const port = resolvePort(definition.name, definition.defaultPort, definition.env);
  await startTracing({ serviceName: definition.name, otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT });

  const app = await NestFactory.create<NestFastifyApplication>(
    serviceModule(definition, env),
    new FastifyAdapter({ bodyLimit: definition.bodyLimit ?? 1_048_576, trustProxy: false }),
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  await definition.beforeListen?.(app);
  await app.listen({ port, host: env.HOST });
  const address = app.getHttpServer().address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${actualPort}`;
  new NestLogger('bootstrap').log(`${definition.name} listening on ${url}`);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await app.close();
      await stopTracing();
    })();
    return closing;
  };
  return { app, url, env, close };
}

/** `main.ts` of every app: start, and shut down gracefully on signals. */
export async function runService(definition: ServiceDefinition): Promise<void> {
  let running: RunningService;
  try {
    running = await startService(definition);
  } catch (error) {
    process.stderr.write(`${definition.name} failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const shutdown = (signal: string): void => {
    const logger = new NestLogger('shutdown');
    logger.log(`${signal} received, shutting down`);
    const deadline = setTimeout(() => {
      logger.error(`shutdown took longer than ${running.env.SHUTDOWN_TIMEOUT_MS} ms, exiting`);
      process.exit(1);
    }, running.env.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
