import '@airis/config/require-supported-node';
import { runService } from '@airis/service';
import { mlopsService } from './service';

void runService(mlopsService());
