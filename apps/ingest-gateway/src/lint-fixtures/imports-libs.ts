// Must PASS the lint: an app may use contract and infra libraries.
import { TOPICS } from '@airis/contracts';
import { backoffDelay } from '@airis/resilience';

export const allowed = [TOPICS.metrics.name, backoffDelay(0)];
