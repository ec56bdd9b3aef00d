import { type Socket, connect } from 'node:net';
import { Global, Module } from '@nestjs/common';
import type { ISocketFactory } from 'kafkajs';
import { INGEST_SOCKET_FACTORY } from '../ingest/ingest-producer';

/**
 * A network between the gateway's ingest producer and the real broker that a test can cut and
 * restore. Kafka metadata advertises the broker's own address, so a TCP proxy in front of the
 * bootstrap address would be bypassed; a kafkajs socket factory sees every connection,
 * including those to advertised addresses. Cut: live sockets are destroyed and new ones are
 * sent to a port nobody listens on (connection refused), exactly what a dead broker looks like.
 */
export class CuttableNetwork {
  private cut = false;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly deadPort: number) {}

  readonly factory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = connect({ host: this.cut ? '127.0.0.1' : host, port: this.cut ? this.deadPort : port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  };

  sever(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy(new Error('network cut by test'));
  }

  restore(): void {
    this.cut = false;
  }

  module(): new () => object {
    @Global()
    @Module({
      providers: [{ provide: INGEST_SOCKET_FACTORY, useValue: this.factory }],
      exports: [INGEST_SOCKET_FACTORY],
    })
    class CuttableNetworkModule {}
    return CuttableNetworkModule;
  }
}
