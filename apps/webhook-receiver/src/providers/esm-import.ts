/**
 * Loads an ES-module-only package from this CommonJS build. `@octokit/webhooks-methods` exports
 * only an `import` condition, so neither `require` nor a transpiled `import()` (which SWC turns
 * into `require`) can load it; a native dynamic import can, in Node and under jest alike.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- the only way to keep a native import() in CJS output
const nativeImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

const cache = new Map<string, Promise<unknown>>();

export function importEsm<T>(specifier: string): Promise<T> {
  let loaded = cache.get(specifier);
  if (!loaded) {
    loaded = nativeImport(specifier);
    cache.set(specifier, loaded);
  }
  return loaded as Promise<T>;
}
