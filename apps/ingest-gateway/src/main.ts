import '@airis/config/require-supported-node';
import { runService } from '@airis/service';
import { gatewayService } from './service';

void runService(gatewayService());
