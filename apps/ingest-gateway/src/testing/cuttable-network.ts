import { Global, Module } from '@nestjs/common';
import { INGEST_TEST_NETWORK, type IngestTestNetwork, type ProducerTestControl } from '../ingest/ingest-producer';

/**
 * A network between the gateway's ingest producer pool and the real broker that a test can cut
 * and restore, in either mode of the pool (worker thread or the application's thread). Kafka
 * metadata advertises the broker's own address, so a TCP proxy in front of the bootstrap
 * address would be bypassed; instead the pool's kafkajs socket factory (`CuttableSockets`,
 * built in the thread that runs the pool) sees every connection. Cut: live sockets are destroyed
 * and new ones are sent to `deadPort`, where nobody listens (connection refused), exactly what
 * a dead broker looks like. In worker mode the cut and restore travel as `set-connectable`
 * messages on the worker's port, ahead of any send posted after them.
 */
export class CuttableNetwork {
  private control: ProducerTestControl | undefined;

  constructor(private readonly deadPort: number) {}

  private get producer(): ProducerTestControl {
    if (!this.control) throw new Error('no ingest producer bound to this network (is the module imported?)');
    return this.control;
  }

  sever(): void {
    this.producer.setConnectable(false);
  }

  restore(): void {
    this.control?.setConnectable(true);
  }

  /** Makes the producer worker thread die of an uncaught exception. */
  crashProducerThread(): void {
    this.producer.crashThread();
  }

  module(): new () => object {
    const hook: IngestTestNetwork = {
      deadPort: this.deadPort,
      bind: (control) => {
        this.control = control;
      },
    };
    @Global()
    @Module({
      providers: [{ provide: INGEST_TEST_NETWORK, useValue: hook }],
      exports: [INGEST_TEST_NETWORK],
    })
    class CuttableNetworkModule {}
    return CuttableNetworkModule;
  }
}
