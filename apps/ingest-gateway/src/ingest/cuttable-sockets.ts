import { type Socket, connect } from 'node:net';
import type { ISocketFactory } from 'kafkajs';

// No Nest and no @airis imports here: this module also runs in the producer worker thread.

/**
 * TEST ONLY: the ingest producer's sockets, cuttable. Used only when a test injects
 * `INGEST_TEST_NETWORK` (see `testing/cuttable-network.ts`); built in the thread that runs the
 * producer pool — the application's thread, or the worker thread, which is told to cut or
 * restore by a `set-connectable` message. Kafka metadata advertises the broker's own address,
 * so a TCP proxy in front of the bootstrap address would be bypassed; a kafkajs socket factory
 * sees every connection. Cut: live sockets are destroyed and new ones go to a port nobody
 * listens on (connection refused), exactly what a dead broker looks like.
 */
export class CuttableSockets {
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly deadPort: number,
    private connectable = true,
  ) {}

  readonly factory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = connect(
      { host: this.connectable ? host : '127.0.0.1', port: this.connectable ? port : this.deadPort, noDelay: true },
      onConnect,
    );
    socket.setKeepAlive(true, 60_000);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  };

  setConnectable(connectable: boolean): void {
    this.connectable = connectable;
    if (!connectable) for (const s of this.sockets) s.destroy(new Error('network cut by test'));
  }
}
