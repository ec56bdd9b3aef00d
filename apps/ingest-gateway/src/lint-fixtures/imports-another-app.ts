// Must FAIL the lint: an app importing another app (checked by tools/lint/module-boundaries.spec.ts).
import { SERVICE } from '../../../event-router/src/service';

export const borrowed = SERVICE.name;
