import { HandlerRegistrationError, KafkaConsumerService } from './kafka-consumer.service';

const handler = (): Promise<void> => Promise.resolve();

describe('KafkaConsumerService.checkWiring', () => {
  it('accepts exactly one handler per consumed topic', () => {
    expect(() =>
      KafkaConsumerService.checkWiring(
        ['metrics', 'events'],
        [
          { topic: 'metrics', where: 'A.m', handler },
          { topic: 'events', where: 'A.e', handler },
        ],
      ),
    ).not.toThrow();
  });

  it('fails start-up listing every problem: missing, duplicate and undeclared handlers', () => {
    let error: unknown;
    try {
      KafkaConsumerService.checkWiring(
        ['metrics', 'events'],
        [
          { topic: 'events', where: 'A.one', handler },
          { topic: 'events', where: 'B.two', handler },
          { topic: 'alerts', where: 'C.three', handler },
        ],
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HandlerRegistrationError);
    const message = (error as Error).message;
    expect(message).toContain('topic "metrics" is consumed but has no @KafkaHandler');
    expect(message).toContain('topic "events" has 2 handlers: A.one, B.two');
    expect(message).toContain('C.three handles "alerts", which this service does not consume');
  });
});
