// Must FAIL the lint: contracts depend on nothing but contracts.
import { backoffDelay } from '@airis/resilience';

export const notAllowed = backoffDelay(1);
