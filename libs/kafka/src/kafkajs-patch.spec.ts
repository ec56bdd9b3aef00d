/*
 * patches/kafkajs+2.2.4.patch, applied by `patch-package` at install: kafkajs 2.2.4's request
 * queue re-armed a 1 ms timer forever once a connection had answered a request and nothing was
 * waiting, so every idle broker connection woke the event loop ~1000 times a second
 * (`npm run bench:idle-cpu`: the idle apps of `npm start` used 23.6 % of a core, ~7 % patched).
 * These checks fail on an unpatched install.
 */
// The request queue is internal to kafkajs; the patch changes it, so the spec loads it directly.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => Queue;

interface Queue {
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  push(request: Pushed): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}

interface Pushed {
  entry: { correlationId: number; resolve(): void; reject(): void };
  expectResponse: boolean;
  sendRequest(): void;
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const queues: Queue[] = [];

function queue(maxInFlightRequests: number | null): Queue {
  const q = new RequestQueue({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'kafkajs-patch-spec',
    broker: '127.0.0.1:9',
    logger: silent,
  });
  queues.push(q);
  return q;
}

const request = (correlationId: number, sent: number[]): Pushed => ({
  entry: { correlationId, resolve: () => undefined, reject: () => undefined },
  expectResponse: true,
  sendRequest: () => sent.push(correlationId),
});

afterEach(() => {
  for (const q of queues.splice(0)) q.destroy();
});

describe('kafkajs request queue (patched)', () => {
  it('arms no timer once a request is answered and nothing waits', () => {
    const q = queue(null);
    const sent: number[] = [];
    q.push(request(1, sent));
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1]);
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('still checks a waiting request later, and sends it when the in-flight one is answered', () => {
    const q = queue(1);
    const sent: number[] = [];
    q.push(request(1, sent));
    q.push(request(2, sent));
    expect(sent).toEqual([1]);
    expect(q.pending).toHaveLength(1);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1, 2]);
  });

  it('still wakes at the end of a broker throttle', () => {
    const q = queue(null);
    q.maybeThrottle(60_000);
    const sent: number[] = [];
    q.push(request(1, sent));
    expect(sent).toEqual([]);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
  });
});
