import { EventEmitter } from 'node:events';
import { TOPICS } from '@airis/contracts';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { ConsumerRunner, type DeferredBatchResult } from './consumer-runner';

/*
 * Deferred commits (a batch handler whose effects become durable later): kafkajs's own commits
 * are off, the next batch is handled at once, and an offset is committed only once its batch
 * and every batch before it on the partition are durable. Driven through a stub consumer.
 */
const TOPIC = 'airis.events.v1';

interface Stub {
  consumer: Consumer;
  runOptions: { autoCommit?: boolean; eachBatch?: (p: EachBatchPayload) => Promise<void> };
  commits: { topic: string; partition: number; offset: string }[][];
  seeks: { topic: string; partition: number; offset: string }[];
}

function stubConsumer(): Stub {
  const stub: Stub = { consumer: undefined as unknown as Consumer, runOptions: {}, commits: [], seeks: [] };
  const emitter = new EventEmitter();
  stub.consumer = Object.assign(emitter, {
    events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
    connect: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    run: (options: Stub['runOptions']) => {
      stub.runOptions = options;
      return Promise.resolve();
    },
    stop: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    commitOffsets: (offsets: { topic: string; partition: number; offset: string }[]) => {
      stub.commits.push(offsets);
      return Promise.resolve();
    },
    seek: (s: { topic: string; partition: number; offset: string }) => {
      stub.seeks.push(s);
    },
  }) as unknown as Consumer;
  return stub;
}

const event = (id: string): Buffer =>
  Buffer.from(JSON.stringify({ id, timestamp: 1, source: 'spec', event_type: 'x', severity: 'info', data: {} }));

function batchPayload(offsets: number[], resolved: string[]): EachBatchPayload {
  return {
    batch: {
      topic: TOPIC,
      partition: 0,
      messages: offsets.map((o) => ({
        offset: String(o),
        key: null,
        value: event(`e-${o}`),
        headers: {},
        timestamp: '1',
        attributes: 0,
      })),
    },
    resolveOffset: (offset: string) => resolved.push(offset),
    heartbeat: () => Promise.resolve(),
    isRunning: () => true,
    isStale: () => false,
    commitOffsetsIfNecessary: () => Promise.reject(new Error('kafkajs must not commit in deferred mode')),
  } as unknown as EachBatchPayload;
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ConsumerRunner deferred commits', () => {
  const setUp = async (durables: Promise<void>[]) => {
    const stub = stubConsumer();
    let call = 0;
    const runner = new ConsumerRunner(
      stub.consumer,
      [
        {
          topicId: 'events',
          topicName: TOPIC,
          spec: TOPICS.events,
          handler: () => Promise.resolve(),
          deferCommit: true,
          batchHandler: (): Promise<DeferredBatchResult> =>
            Promise.resolve({ durable: durables[call++] ?? Promise.resolve() }),
        },
      ],
      {
        groupId: 'g',
        partitionsConsumedConcurrently: 1,
        maxUncertainAttempts: 5,
        fromBeginning: true,
        sendToDlq: () => Promise.resolve([]),
      },
    );
    await runner.start();
    const eachBatch = stub.runOptions.eachBatch;
    if (!eachBatch) throw new Error('run() was not given eachBatch');
    return { stub, runner, eachBatch };
  };

  it('turns kafkajs commits off and commits an offset only once its batch and those before are durable', async () => {
    const first = deferred();
    const second = deferred();
    const { stub, runner, eachBatch } = await setUp([first.promise, second.promise]);
    expect(stub.runOptions.autoCommit).toBe(false);
    const resolved: string[] = [];
    await eachBatch(batchPayload([5, 6], resolved));
    await eachBatch(batchPayload([7, 8], resolved));
    // Both handled (the fetch moves on), nothing durable yet: nothing committed.
    expect(resolved).toEqual(['6', '8']);
    await runner.commitDurable();
    expect(stub.commits).toEqual([]);
    // The second batch durable first: still nothing, the first is not.
    second.resolve();
    await second.promise;
    await runner.commitDurable();
    expect(stub.commits).toEqual([]);
    first.resolve();
    await first.promise;
    await runner.stop();
    expect(stub.commits.flat()).toContainEqual({ topic: TOPIC, partition: 0, offset: '9' });
  });

  it('consumes a partition again from a batch that could not be made durable, committing nothing past it', async () => {
    const failing = deferred();
    const { stub, runner, eachBatch } = await setUp([failing.promise, Promise.resolve(), Promise.resolve()]);
    const resolved: string[] = [];
    await eachBatch(batchPayload([5, 6], resolved));
    await eachBatch(batchPayload([7], resolved));
    failing.reject(new Error('store failed'));
    await failing.promise.catch(() => undefined);
    await runner.commitDurable();
    expect(stub.seeks).toEqual([{ topic: TOPIC, partition: 0, offset: '5' }]);
    expect(stub.commits).toEqual([]);
    // Consumed again from offset 5: this time durable, and committed.
    await eachBatch(batchPayload([5, 6, 7], resolved));
    await runner.stop();
    expect(stub.commits.flat()).toEqual([{ topic: TOPIC, partition: 0, offset: '8' }]);
  });

  it('leaves no timer behind once stopped', async () => {
    const { runner, eachBatch } = await setUp([Promise.resolve()]);
    await eachBatch(batchPayload([5], []));
    // The long timers stop() starts (its bounded wait is 10 s), and which of them it clears.
    const started: unknown[] = [];
    const cleared = new Set<unknown>();
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    const set = jest.spyOn(globalThis, 'setTimeout').mockImplementation((...args: Parameters<typeof setTimeout>) => {
      const timer = realSet(...args);
      if ((args[1] ?? 0) >= 1_000) started.push(timer);
      return timer;
    });
    const clear = jest.spyOn(globalThis, 'clearTimeout').mockImplementation((timer) => {
      cleared.add(timer);
      realClear(timer);
    });
    try {
      await runner.stop();
    } finally {
      set.mockRestore();
      clear.mockRestore();
    }
    expect(started.length).toBeGreaterThan(0); // the bounded wait for in-flight handlers
    expect(started.filter((t) => !cleared.has(t))).toEqual([]);
  });
});
