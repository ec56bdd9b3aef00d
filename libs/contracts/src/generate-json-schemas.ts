/* Writes docs/contracts/*.schema.json from the DTOs: `npm run contracts:generate`. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildTopicJsonSchemas, renderJsonSchema } from './json-schema';

export const CONTRACTS_DOC_DIR = resolve(__dirname, '../../../docs/contracts');

function main(): void {
  mkdirSync(CONTRACTS_DOC_DIR, { recursive: true });
  for (const stale of readdirSync(CONTRACTS_DOC_DIR).filter((f) => f.endsWith('.schema.json'))) {
    rmSync(join(CONTRACTS_DOC_DIR, stale));
  }
  for (const { file, schema } of buildTopicJsonSchemas()) {
    writeFileSync(join(CONTRACTS_DOC_DIR, file), renderJsonSchema(schema));
    console.log(`wrote docs/contracts/${file}`);
  }
}

if (require.main === module) main();
