import { Injectable } from '@nestjs/common';

export interface ReadinessResult {
  up: boolean;
  detail?: string;
}

export type ReadinessCheck = () => Promise<ReadinessResult>;

/**
 * Dependencies (Kafka, MongoDB, anything an app adds) register a check here; `/health/ready`
 * runs them all. Keeps observability free of imports from the libs it reports on.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  names(): string[] {
    return [...this.checks.keys()];
  }

  async runAll(timeoutMs = 3000): Promise<Record<string, ReadinessResult>> {
    const entries = await Promise.all(
      [...this.checks.entries()].map(async ([name, check]): Promise<[string, ReadinessResult]> => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<ReadinessResult>((resolve) => {
          timer = setTimeout(() => resolve({ up: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
        });
        try {
          return [name, await Promise.race([check(), timeout])];
        } catch (error) {
          return [name, { up: false, detail: error instanceof Error ? error.message : String(error) }];
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return Object.fromEntries(entries);
  }
}
