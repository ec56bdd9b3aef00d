import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/*
 * Lints committed fixture files with the repo's real ESLint config, so the module boundaries of
 * DESIGN.md §7 are proven to be enforced, not just declared. ESLint runs as a child process
 * because it loads its flat config through a dynamic import, which jest's module sandbox refuses.
 */
const root = join(__dirname, '../..');

/** nx's CLI entry, from its own package.json (it moved between majors). */
function nxCli(): string {
  const manifest = join(root, 'node_modules/nx/package.json');
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(manifest), bin['nx'] ?? 'bin/nx.js');
}

interface LintResult {
  messages: { ruleId: string | null; message: string }[];
}

function boundaryErrors(file: string): string[] {
  const env = { ...process.env, NX_DAEMON: 'false' };
  // The rule reads Nx's project graph from its cache (and skips itself without one): compute it
  // first, and refuse to go on if that fails, or a stale cache could make the rule pass.
  const graph = spawnSync(process.execPath, [nxCli(), 'show', 'projects'], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  if (graph.status !== 0) throw new Error(`nx show projects failed: ${graph.stderr}`);
  expect(graph.stdout.split('\n')).toEqual(expect.arrayContaining(['ingest-gateway', 'contracts']));
  const run = spawnSync(
    process.execPath,
    [join(root, 'node_modules/eslint/bin/eslint.js'), '--no-ignore', '--format', 'json', file],
    { cwd: root, env, encoding: 'utf8' },
  );
  if (!run.stdout) throw new Error(`eslint produced no report: ${run.stderr}`);
  const [result] = JSON.parse(run.stdout) as LintResult[];
  return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries (eslint @nx/enforce-module-boundaries with the repo config)', () => {
  it('fail an app that imports another app', () => {
    const errors = boundaryErrors('apps/ingest-gateway/src/lint-fixtures/imports-another-app.ts');
    expect(errors.length).toBeGreaterThan(0);
  });

  it('fail a contract library that imports an infra library', () => {
    const errors = boundaryErrors('libs/contracts/src/lint-fixtures/imports-infra.ts');
    expect(errors.join('\n')).toMatch(/type:contract/);
  });

  it('let an app use contract and infra libraries', () => {
    expect(boundaryErrors('apps/ingest-gateway/src/lint-fixtures/imports-libs.ts')).toEqual([]);
  });
});
