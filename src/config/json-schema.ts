// The JSON schema editors use to complete and check config files (config/sensor-agent.schema.json),
// generated from the zod schema so the two never disagree. It describes the input side: durations
// show as string | number, defaults as written in a file. Each documented key carries the README's
// words as its description, and examples (src/config/field-docs.ts). The committed copy is checked
// by test/config/json-schema.test.ts, which rewrites it with UPDATE_SCHEMA=1.
import { z } from 'zod';
import { configSchema } from './schema.js';
import { FIELD_DOCS } from './field-docs.js';

/** Generating the schema never parses, so no environment or files are involved. */
const SCHEMA_ONLY = { env: {}, baseDir: '/', hostname: 'localhost' };

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema> };

let cached: Record<string, unknown> | undefined;

/** The schema of the dotted key `path`; throws when the config has no such key. */
export function schemaAt(root: JsonSchema, path: string): JsonSchema {
  let node = root;
  for (const part of path.split('.')) {
    const next = node.properties?.[part];
    if (next === undefined) throw new Error(`config key ${path} is documented but not in the schema`);
    node = next;
  }
  return node;
}

function withDocs(schema: JsonSchema): JsonSchema {
  for (const doc of FIELD_DOCS) {
    for (const [path, examples] of Object.entries(doc.examples)) {
      Object.assign(schemaAt(schema, path), { description: `${doc.meaning} (default: ${doc.default})`, examples });
    }
  }
  return schema;
}

export function configJsonSchema(): Record<string, unknown> {
  cached ??= {
    ...withDocs(z.toJSONSchema(configSchema(SCHEMA_ONLY), { io: 'input', unrepresentable: 'any' }) as JsonSchema),
    title: 'sensor-agent configuration',
  };
  return cached;
}
