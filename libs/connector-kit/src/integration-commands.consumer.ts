import { Injectable } from '@nestjs/common';
import type { CommandDto } from '@airis/contracts';
import { type ConsumedRecord, KafkaHandler } from '@airis/kafka';
import { ConnectorRuntime } from './connector-runtime.service';

/** `airis.commands.v1` → test-connection / sync-now of the integrations this service runs. */
@Injectable()
export class IntegrationCommandsConsumer {
  constructor(private readonly runtime: ConnectorRuntime) {}

  @KafkaHandler('commands')
  handle(record: ConsumedRecord<CommandDto>): Promise<void> {
    return this.runtime.handleCommand(record.value);
  }
}
