import '@airis/config/require-supported-node';
import { ConfigError, loadConfig, processEnvironment } from '@airis/config';
import { Command } from 'commander';
import { CliEnv } from './cli-env';
import { healthRows, topicRows } from './commands';

function table(rows: object[]): string {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0] as object);
  const cell = (row: object, column: string): string => {
    const value = (row as Record<string, unknown>)[column];
    return value === undefined || value === null
      ? ''
      : typeof value === 'object'
        ? JSON.stringify(value)
        : `${value as string}`;
  };
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => cell(r, c))))].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const environment = processEnvironment();
  const env = loadConfig(CliEnv, environment);
  const program = new Command('airis').description('AIRIS-MON operator command line').exitOverride();
  let code = 0;

  program
    .command('topics')
    .description('list the topic registry (and DLQs); --check asks the broker which exist')
    .option('--check', 'connect to KAFKA_BROKERS and report which topics exist')
    .option('--json', 'machine-readable output')
    .action(async (options: { check?: boolean; json?: boolean }) => {
      const rows = await topicRows(env, options.check === true);
      console.log(options.json ? JSON.stringify(rows, null, 2) : table(rows));
      if (rows.some((r) => r.exists === false)) code = 3;
    });

  program
    .command('health')
    .description('readiness of every service on its port')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const rows = await healthRows(env, environment);
      console.log(options.json ? JSON.stringify(rows, null, 2) : table(rows));
      if (rows.some((r) => r.status !== 'ready')) code = 3;
    });

  await program.parseAsync(argv);
  return code;
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof ConfigError || (error as { code?: string }).code?.startsWith('commander.');
    if (!known || error instanceof ConfigError) console.error((error as Error).message);
    const exitCode = (error as { exitCode?: number }).exitCode;
    process.exit(typeof exitCode === 'number' ? exitCode : 1);
  },
);
