import '@airis/config/require-supported-node';
import { type ServiceDefinition, runService } from '@airis/service';
import { webhookReceiverService } from './service';

let definition: ServiceDefinition;
try {
  definition = webhookReceiverService();
} catch (error) {
  // Invalid settings: every problem listed, no stack trace.
  process.stderr.write(`webhook-receiver failed to start: ${(error as Error).message}\n`);
  process.exit(1);
}
void runService(definition);
