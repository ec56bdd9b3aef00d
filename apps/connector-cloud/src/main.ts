import '@airis/config/require-supported-node';
import { runService } from '@airis/service';
import { SERVICE } from './service';

void runService(SERVICE);
