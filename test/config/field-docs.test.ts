// Every key of the config's sections, of a sensor entry (the keys all drivers share; a driver's
// own options are documented with the driver), of a filter step and of an output carries a description
// and examples in the editor schema, and every documented key exists: a key added without its
// docs, or renamed, fails here.
import { describe, expect, it } from 'vitest';
import { configJsonSchema, schemaAt } from '../../src/config/json-schema.js';

type Node = { properties?: Record<string, Node>; description?: string; examples?: unknown[] };

/** Dotted keys below `node`, objects included; the children of a documented object whose row covers them are skipped. */
function keys(node: Node, prefix: string): string[] {
  return Object.entries(node.properties ?? {}).flatMap(([name, child]) => {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    const below = child.description === undefined ? keys(child, path) : [];
    return [path, ...below];
  });
}

const SECTIONS = ['device', 'mqtt', 'store', 'status', 'log', 'hardware', 'simulate', 'homeassistant'];

describe('config field docs', () => {
  const schema = configJsonSchema() as Node;

  it.each(SECTIONS)('every key of %s has a description and examples', (section) => {
    const node = schemaAt(schema as Record<string, unknown>, section) as Node;
    const bare = keys(node, section).filter((path) => {
      const field = schemaAt(schema as Record<string, unknown>, path) as Node;
      const isSection = field.properties !== undefined && field.description === undefined;
      return !isSection && (field.description === undefined || (field.examples ?? []).length === 0);
    });
    expect(bare).toEqual([]);
  });

  it('puts the README words and examples on a key', () => {
    expect(schemaAt(schema as Record<string, unknown>, 'mqtt.keepalive')).toMatchObject({
      default: '30s',
      description: 'MQTT keepalive; a silent link is noticed within 1.5x this (default: `30s`)',
      examples: ['30s', '60s'],
    });
  });

  it('refuses docs for a key the schema does not have', () => {
    expect(() => schemaAt(schema as Record<string, unknown>, 'mqtt.keepAlive')).toThrow(/mqtt.keepAlive is documented but not in the schema/);
  });

  it('documents the keys every sensor entry has, every filter step and every output key, on each driver', () => {
    type List = { items?: Node & { oneOf?: Node[] } };
    const sensors = (schemaAt(schema as Record<string, unknown>, 'sensors') as List).items?.oneOf ?? [];
    expect(sensors.length).toBeGreaterThan(10);
    const bare: string[] = [];
    for (const [index, sensor] of sensors.entries()) {
      for (const key of ['id', 'driver', 'interval', 'qos', 'retain', 'topic', 'filters', 'name', 'deviceClass', 'area', 'homeassistant']) {
        if (sensor.properties?.[key]?.description === undefined) bare.push(`sensors variant ${index}: ${key}`);
      }
      const steps = (sensor.properties?.filters as { additionalProperties?: List } | undefined)?.additionalProperties?.items;
      for (const [key, step] of Object.entries(steps?.properties ?? {})) if (step.description === undefined) bare.push(`filter step ${key}`);
    }
    const output = (schemaAt(schema as Record<string, unknown>, 'outputs') as List).items;
    for (const [key, field] of Object.entries(output?.properties ?? {})) if (field.description === undefined || (field.examples ?? []).length === 0) bare.push(`outputs[].${key}`);
    expect(bare).toEqual([]);
  });
});

