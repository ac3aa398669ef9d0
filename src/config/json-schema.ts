// The JSON schema editors use to complete and check config files (config/sensor-agent.schema.json),
// generated from the zod schema so the two never disagree. It describes the input side: durations
// show as string | number, defaults as written in a file. Each documented key carries the README's
// words as its description, and examples (src/config/field-docs.ts). The committed copy is checked
// by test/config/json-schema.test.ts, which rewrites it with UPDATE_SCHEMA=1. The sections and the
// keys below a documented key are described in src/config/nested-docs.ts, a driver's own options
// beside their fields (zod .meta).
import { z } from 'zod';
import { configSchema } from './schema.js';
import { FIELD_DOCS } from './field-docs.js';
import { FILTER_STEP_DOCS, OUTPUT_ITEM_DOCS, SENSOR_ITEM_DOCS, type ItemDoc } from './item-docs.js';
import { FILTER_OPTION_DOCS, NESTED_KEY_DOCS, SECTION_DOCS } from './nested-docs.js';

/** Generating the schema never parses, so no environment or files are involved. */
const SCHEMA_ONLY = { env: {}, baseDir: '/', hostname: 'localhost' };

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema> };

let cached: Record<string, unknown> | undefined;

/** The schema of the dotted key `path` (a `<name>` part: any key of that mapping); throws when the config has no such key. */
export function schemaAt(root: JsonSchema, path: string): JsonSchema {
  let node = root;
  for (const part of path.split('.')) {
    const next = /^<.+>$/.test(part) ? (node.additionalProperties as JsonSchema | undefined) : node.properties?.[part];
    if (next === undefined) throw new Error(`config key ${path} is documented but not in the schema`);
    node = next;
  }
  return node;
}

/** The object schemas of a list's entries: each variant of a union (one per driver), or the one. */
function variants(list: JsonSchema): JsonSchema[] {
  const items = list.items as (JsonSchema & { oneOf?: JsonSchema[]; anyOf?: JsonSchema[] }) | undefined;
  if (items === undefined) return [];
  return items.oneOf ?? items.anyOf ?? [items];
}

/** The schema of the dotted key below `item`, or undefined when it has none. */
function keyOf(item: JsonSchema, key: string): JsonSchema | undefined {
  return key.split('.').reduce<JsonSchema | undefined>((node, part) => node?.properties?.[part], item);
}

/** Puts `docs` on the (dotted) keys of `items` each has; throws for a documented key no variant has. */
function documentKeys(items: JsonSchema[], docs: Record<string, ItemDoc>, where: string): void {
  for (const [key, doc] of Object.entries(docs)) {
    const found = items.flatMap((item): JsonSchema[] => {
      const node = keyOf(item, key);
      return node === undefined ? [] : [node];
    });
    if (found.length === 0) throw new Error(`${where}.${key} is documented but not in the schema`);
    for (const node of found) Object.assign(node, { description: doc.description, examples: doc.examples });
  }
}

function withDocs(schema: JsonSchema): JsonSchema {
  const sensors = variants(schemaAt(schema, 'sensors'));
  documentKeys(sensors, SENSOR_ITEM_DOCS, 'sensors[]');
  const steps = sensors.flatMap((sensor) => {
    const perValue = sensor.properties?.filters?.additionalProperties as JsonSchema | undefined;
    return perValue === undefined ? [] : variants(perValue);
  });
  documentKeys(steps, FILTER_STEP_DOCS, 'sensors[].filters');
  documentKeys(steps, FILTER_OPTION_DOCS, 'sensors[].filters');
  documentKeys(variants(schemaAt(schema, 'outputs')), OUTPUT_ITEM_DOCS, 'outputs[]');
  for (const [path, doc] of Object.entries({ ...SECTION_DOCS, ...NESTED_KEY_DOCS })) {
    Object.assign(schemaAt(schema, path), { description: doc.description, examples: doc.examples });
  }
  for (const doc of FIELD_DOCS) {
    for (const [path, examples] of Object.entries(doc.examples)) {
      Object.assign(schemaAt(schema, path), { description: `${doc.meaning} (default: ${doc.default})`, examples });
    }
  }
  return schema;
}

/**
 * A driver's options carry their docs beside the field (`.meta({ description, examples })`). In
 * input mode zod drops the examples of a field that transforms (an address, a duration), taking
 * them for output values; ours are written as in a file, so they are put back.
 */
function keepInputExamples({ zodSchema, jsonSchema }: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  const examples = z.globalRegistry.get(zodSchema as z.ZodType)?.examples;
  if (examples !== undefined) jsonSchema.examples = examples;
}

export function configJsonSchema(): Record<string, unknown> {
  cached ??= {
    ...withDocs(z.toJSONSchema(configSchema(SCHEMA_ONLY), { io: 'input', unrepresentable: 'any', override: keepInputExamples }) as JsonSchema),
    title: 'sensor-agent configuration',
  };
  return cached;
}
