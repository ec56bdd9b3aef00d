import { Injectable, Logger } from '@nestjs/common';
import type { CommandDto } from '@airis/contracts';
import { type ConsumedRecord, KafkaHandler } from '@airis/kafka';
import { counter } from '@airis/observability';
import { ALERT_COMMANDS, type AlertCommand, AlertLifecycle } from './alert-lifecycle.service';

const handled = counter('airis_router_commands_total', 'Alert commands, by action and outcome', ['action', 'outcome']);

function isAlertCommand(action: string): action is AlertCommand {
  return (ALERT_COMMANDS as readonly string[]).includes(action);
}

/**
 * acknowledge / unacknowledge / resolve from Slack, PagerDuty, the API and the CLI. Other actions
 * on airis.commands.v1 belong to other services and are skipped. Applying a command twice has one
 * effect (the second finds the state already there).
 */
@Injectable()
export class CommandsConsumer {
  private readonly logger = new Logger(CommandsConsumer.name);

  constructor(private readonly lifecycle: AlertLifecycle) {}

  @KafkaHandler('commands')
  async handle(record: ConsumedRecord<CommandDto>): Promise<void> {
    const command = record.value;
    if (!isAlertCommand(command.action)) return;
    const outcome = await this.lifecycle.command(command.action, command);
    handled.inc({ action: command.action, outcome });
    if (outcome === 'unknown_target') {
      this.logger.warn(`command ${command.id}: no alert with id or fingerprint ${command.target}`);
    }
  }
}
