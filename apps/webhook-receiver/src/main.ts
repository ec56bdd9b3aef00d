import '@airis/config/require-supported-node';
import { runService } from '@airis/service';
import { webhookReceiverService } from './service';

void runService(webhookReceiverService());
