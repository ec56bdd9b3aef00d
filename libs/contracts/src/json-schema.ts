import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';

type SchemaObject = ReturnType<typeof validationMetadatasToSchemas>[string];
import { allTopicSpecs, dlqName } from './topics';

const DEFINITIONS = '#/definitions/';

export interface TopicJsonSchema {
  file: string;
  schema: Record<string, unknown>;
}

/** Collects the JSON schema of every DTO and every DTO it references (transitively). */
function collect(root: string, all: Record<string, SchemaObject>, into: Record<string, SchemaObject>): void {
  const schema = all[root];
  if (!schema || into[root]) return;
  into[root] = schema;
  const text = JSON.stringify(schema);
  for (const match of text.matchAll(/"\$ref":"#\/definitions\/([^"]+)"/g)) {
    const name = match[1];
    if (name) collect(name, all, into);
  }
}

/** Our DTOs reject unknown members, so the schemas say so too. */
function closeObjects(schema: SchemaObject): SchemaObject {
  if (schema.type === 'object' && schema.properties && schema.additionalProperties === undefined) {
    return { ...schema, additionalProperties: false };
  }
  return schema;
}

/**
 * JSON Schema (draft-07) for the value of each registry topic, for producers outside this repo.
 * Generated from the class-validator DTOs so there is one source of truth.
 */
export function buildTopicJsonSchemas(): TopicJsonSchema[] {
  const all = validationMetadatasToSchemas({
    refPointerPrefix: DEFINITIONS,
    classTransformerMetadataStorage: defaultMetadataStorage,
  });
  return allTopicSpecs().map((topic) => {
    const rootName = topic.schema.name;
    const definitions: Record<string, SchemaObject> = {};
    collect(rootName, all, definitions);
    const root = definitions[rootName];
    if (!root) throw new Error(`no JSON schema generated for ${rootName} (${topic.name})`);
    const nested = Object.fromEntries(
      Object.entries(definitions)
        .filter(([name]) => name !== rootName)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, s]) => [name, closeObjects(s)]),
    );
    const schema: Record<string, unknown> = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: `airis-mon:contracts:${topic.name}`,
      ...closeObjects(root),
      'x-airis-topic': {
        name: topic.name,
        description: topic.description,
        key: topic.key,
        cloudEventsType: topic.ceType,
        deadLetterTopic: dlqName(topic.name),
      },
    };
    if (Object.keys(nested).length > 0) schema['definitions'] = nested;
    return { file: `${topic.name}.schema.json`, schema };
  });
}

export function renderJsonSchema(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
