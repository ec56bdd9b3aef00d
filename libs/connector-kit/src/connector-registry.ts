import type { AnyConnectorFactory } from './connector';

/** The connector types a service offers, by type name; a duplicate type is a wiring error. */
export class ConnectorRegistry {
  private readonly factories = new Map<string, AnyConnectorFactory>();

  constructor(
    readonly family: string,
    factories: readonly AnyConnectorFactory[],
  ) {
    const problems: string[] = [];
    for (const f of factories) {
      if (f.family !== family) problems.push(`${f.type} belongs to family ${f.family}, not ${family}`);
      if (this.factories.has(f.type)) problems.push(`connector type ${f.type} is registered twice`);
      this.factories.set(f.type, f);
    }
    if (problems.length > 0) throw new Error(`connector registry is wrong:\n  - ${problems.join('\n  - ')}`);
  }

  get(type: string): AnyConnectorFactory | undefined {
    return this.factories.get(type);
  }

  types(): string[] {
    return [...this.factories.keys()].sort();
  }
}
