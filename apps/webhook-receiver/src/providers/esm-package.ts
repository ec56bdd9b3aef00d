import { readFileSync } from 'node:fs';
import { findPackageJSON } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface PackageJson {
  exports?: Record<string, unknown>;
}

const cache = new Map<string, unknown>();

/** The file an `import` of the package's root entry loads under the `node` condition. */
function importEntry(exportsField: Record<string, unknown> | undefined): string | undefined {
  const root = exportsField?.['.'];
  if (typeof root === 'string') return root;
  const conditions = root as Record<string, unknown> | undefined;
  for (const condition of ['node', 'default']) {
    const branch = conditions?.[condition];
    if (typeof branch === 'string') return branch;
    const target = (branch as Record<string, unknown> | undefined)?.['import'];
    if (typeof target === 'string') return target;
  }
  const plain = conditions?.['import'];
  return typeof plain === 'string' ? plain : undefined;
}

/**
 * Loads an ES-module-only package (its `exports` offer only an `import` condition, as
 * `@octokit/webhooks-methods` does) from this CommonJS build: the entry file is looked up in the
 * package's own `exports` and loaded with Node 24's synchronous require(esm), which works the
 * same under jest and in the built service.
 */
export function requireEsmPackage<T>(name: string): T {
  const cached = cache.get(name);
  if (cached) return cached as T;
  const manifest = findPackageJSON(name, pathToFileURL(__filename));
  if (!manifest) throw new Error(`package ${name} is not installed`);
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as PackageJson;
  const entry = importEntry(pkg.exports);
  if (!entry) throw new Error(`package ${name} has no import entry in its exports`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- require(esm) of a resolved file
  const loaded = require(join(dirname(manifest), entry)) as T;
  cache.set(name, loaded);
  return loaded;
}
