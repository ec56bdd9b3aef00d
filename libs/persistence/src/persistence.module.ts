import { type DynamicModule, Global, Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { InjectConnection, MongooseModule } from '@nestjs/mongoose';
import { ReadinessRegistry } from '@airis/observability';
import type { Connection } from 'mongoose';

export interface PersistenceOptions {
  uri: string;
  /** Connection attempts at start before giving up (each waits `retryDelayMs`). */
  retryAttempts?: number;
  retryDelayMs?: number;
}

const OPTIONS = Symbol('PERSISTENCE_OPTIONS');

/** Redacts the password of a MongoDB URI for logs. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/**
 * The service's MongoDB connection (mongoose), retried at start, and reported by
 * `/health/ready`. Designed to FerretDB 1.24's feature set (DESIGN.md §4): no transactions,
 * no change streams.
 */
@Global()
@Module({})
export class PersistenceModule implements OnModuleInit {
  private readonly logger = new Logger(PersistenceModule.name);

  constructor(
    @InjectConnection() private readonly connection: Connection,
    @Inject(OPTIONS) private readonly options: PersistenceOptions,
    private readonly readiness: ReadinessRegistry,
  ) {}

  static forRoot(options: PersistenceOptions): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        MongooseModule.forRoot(options.uri, {
          retryAttempts: options.retryAttempts ?? 30,
          retryDelay: options.retryDelayMs ?? 1000,
          serverSelectionTimeoutMS: 5000,
          // FerretDB does not support retryable writes' transaction numbers on every path.
          retryWrites: false,
          connectionFactory: (connection: Connection) => {
            // A close the service asked for (shutdown) emits 'disconnecting' first: that is no warning.
            let closing = false;
            connection.on('disconnecting', () => (closing = true));
            connection.on('disconnected', () =>
              closing ? new Logger('mongodb').log('disconnected') : new Logger('mongodb').warn('disconnected'),
            );
            connection.on('reconnected', () => new Logger('mongodb').log('reconnected'));
            return connection;
          },
        }),
      ],
      providers: [{ provide: OPTIONS, useValue: options }],
      exports: [MongooseModule],
    };
  }

  onModuleInit(): void {
    this.readiness.register('mongodb', async () => {
      const db = this.connection.db;
      if (!db) return { up: false, detail: 'not connected' };
      await db.admin().ping();
      return { up: true };
    });
    this.logger.log(`connected to ${redactUri(this.options.uri)}`);
  }
}
