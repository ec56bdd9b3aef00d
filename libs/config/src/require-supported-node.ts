// Imported first by every entry point, before any dependency loads.
import { assertSupportedNode } from './node-version';

assertSupportedNode();
