export interface ConfigStoreOptions {
  /** Kinds this service keeps in memory; records of other kinds are skipped. All when unset. */
  kinds?: readonly string[];
}

export const CONFIG_STORE_OPTIONS = Symbol('CONFIG_STORE_OPTIONS');
