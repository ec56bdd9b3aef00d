import { EventEmitter } from 'node:events';
import { TOPICS } from '@airis/contracts';
import type { Consumer } from 'kafkajs';
import { ConsumerRunner } from './consumer-runner';

/*
 * Runner logic that does not need a broker: how it reacts to kafkajs's CRASH instrumentation
 * event. (Consumption itself is covered against the real broker in libs/service int-specs.)
 */
function stubConsumer(): Consumer & EventEmitter {
  const emitter = new EventEmitter();
  return Object.assign(emitter, {
    events: { CRASH: 'consumer.crash' },
    connect: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    run: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
  }) as unknown as Consumer & EventEmitter;
}

describe('ConsumerRunner health', () => {
  const runnerWith = (consumer: Consumer) =>
    new ConsumerRunner(
      consumer,
      [{ topicId: 'events', topicName: 'airis.events.v1', spec: TOPICS.events, handler: () => Promise.resolve() }],
      {
        groupId: 'g',
        partitionsConsumedConcurrently: 1,
        maxUncertainAttempts: 5,
        fromBeginning: true,
        sendToDlq: () => Promise.resolve([]),
      },
    );

  it('stays ready through a crash kafkajs restarts from', async () => {
    const consumer = stubConsumer();
    const runner = runnerWith(consumer);
    await runner.start();
    consumer.emit('consumer.crash', { payload: { error: new Error('rebalancing'), restart: true } });
    expect(runner.health()).toEqual({ up: true });
  });

  it('reports not ready, with the reason, when kafkajs gives the consumer up', async () => {
    const consumer = stubConsumer();
    const runner = runnerWith(consumer);
    await runner.start();
    consumer.emit('consumer.crash', { payload: { error: new Error('group authorization failed'), restart: false } });
    expect(runner.health()).toEqual({ up: false, detail: 'consumer stopped: group authorization failed' });
  });
});
