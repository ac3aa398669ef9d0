// Every property anywhere in the editor schema (config/sensor-agent.schema.json) carries a
// description and examples: the sections, each key below them, every driver's own options, filter
// steps and their keys, output keys. Every key of this config can be written in a file, so every
// one needs examples. A driver option's docs sit beside its field and use its README row's words.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { driverDefinitions, findDriver } from '../../src/sensors/registry.js';
import type { DriverDefinition } from '../../src/sensors/types.js';

type Node = { [key: string]: unknown; properties?: Record<string, Node>; description?: unknown; examples?: unknown };

const NESTED = ['items', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;

/** Paths of the properties below `node` that lack a description or examples. */
function undocumented(node: unknown, path: string): string[] {
  if (Array.isArray(node)) return node.flatMap((child) => undocumented(child, path));
  if (typeof node !== 'object' || node === null) return [];
  const schema = node as Node;
  const own = Object.entries(schema.properties ?? {}).flatMap(([name, child]) => {
    const where = `${path}.${name}`;
    const missing = [
      ...(typeof child.description === 'string' && child.description !== '' ? [] : ['description']),
      ...(Array.isArray(child.examples) && child.examples.length > 0 ? [] : ['examples']),
    ];
    return [...(missing.length > 0 ? [`${where}: no ${missing.join(', no ')}`] : []), ...undocumented(child, where)];
  });
  const below = NESTED.flatMap((key) => undocumented(schema[key], key === 'items' || key === 'prefixItems' ? `${path}[]` : key === 'additionalProperties' ? `${path}.<key>` : path));
  return [...own, ...below];
}

describe('the editor schema docs', () => {
  it('describes every property, with examples', () => {
    expect([...new Set(undocumented(configJsonSchema(), ''))]).toEqual([]);
  });

  it('finds a property without docs, however deep', () => {
    const schema = {
      properties: {
        top: {
          description: 'a section',
          examples: [{}],
          properties: { list: { description: 'a list', examples: [[]], items: { oneOf: [{ properties: { bare: { type: 'number', description: 'no examples' } } }] } } },
        },
        map: { description: 'a mapping', examples: [{}], additionalProperties: { properties: { inner: { examples: [1] } } } },
      },
    };
    expect(undocumented(schema, '')).toEqual(['.top.list[].bare: no examples', '.map.<key>.inner: no description']);
  });

  it("puts each driver option's docs on the driver's variant of sensors[]", () => {
    const sensors = ((configJsonSchema().properties as Record<string, Node>).sensors?.items as { oneOf: Node[] }).oneOf;
    for (const definition of driverDefinitions) {
      const variant = sensors.find((item) => (item.properties?.driver as { const?: string } | undefined)?.const === definition.name);
      for (const [key, field] of Object.entries(definition.options.shape)) {
        const meta = z.globalRegistry.get(field as z.ZodType);
        expect(variant?.properties?.[key], `${definition.name}.${key}`).toMatchObject({ description: meta?.description, examples: meta?.examples });
      }
    }
  });

  it("uses the words of the driver's README row: each option is named there, with the default its description gives", () => {
    const rowOf = (definition: DriverDefinition): string => {
      const like = /^as `([a-z0-9-]+)`/.exec(definition.readme.options)?.[1];
      const other = like === undefined ? undefined : findDriver(like);
      return (other ?? definition).readme.options;
    };
    const disagree: string[] = [];
    for (const definition of driverDefinitions) {
      const row = rowOf(definition);
      for (const [key, field] of Object.entries(definition.options.shape)) {
        const description = z.globalRegistry.get(field as z.ZodType)?.description ?? '';
        if (!row.includes(`\`${key}`)) disagree.push(`${definition.name}.${key}: not named in the README row`);
        // A one-word default ("20ms", "0x76", "[0]", "none", "required") must be the row's too.
        const written = /\((?:default: )?([^\s()]+)\)$/.exec(description)?.[1];
        if (written !== undefined && !row.replace(/`/g, '').includes(written)) disagree.push(`${definition.name}.${key}: ${written} is not in the README row`);
      }
    }
    expect(disagree).toEqual([]);
  });
});
