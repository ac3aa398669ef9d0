// config/sensor-agent.example.yaml's sections are written from the field docs: a key added or
// re-explained without `npm run docs` fails here; the file as shipped loads, and every example the
// docs give (in the file and the editor schema: sections, nested keys, driver options) is one the
// schema accepts.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_BEGIN, withExampleSections } from '../../src/docs/example-config.js';
import { FIELD_DOCS } from '../../src/config/field-docs.js';
import { FILTER_STEP_DOCS, OUTPUT_ITEM_DOCS, SENSOR_ITEM_DOCS } from '../../src/config/item-docs.js';
import { FILTER_OPTION_DOCS, NESTED_KEY_DOCS, SECTION_DOCS } from '../../src/config/nested-docs.js';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { REPO_ROOT } from '../helpers/child-agent.js';

const FILE = join(REPO_ROOT, 'config/sensor-agent.example.yaml');
const CONTEXT = { env: { CREDENTIALS_DIRECTORY: '/run/credentials/sensor-agent.service', MQTT_PASSWORD: 'x', STATUS_TOKEN: 'y' }, baseDir: '/', hostname: 'pi' };

describe('config/sensor-agent.example.yaml', () => {
  it('has the sections the field docs write (run npm run docs)', async () => {
    const example = await readFile(FILE, 'utf8');
    expect(example).toContain(EXAMPLE_BEGIN);
    expect(withExampleSections(example)).toBe(example);
  });

  it('loads as shipped, at the defaults it shows', async () => {
    const config = await loadConfig(FILE, {});
    expect(config.mqtt.url).toBe('mqtt://127.0.0.1:1883');
    expect(config.store.overflow).toBe('drop-oldest');
    expect(config.sensors.map((sensor) => sensor.id)).toEqual(['system']);
  });

  it('shows examples the schema accepts, key by key', () => {
    // Every example of every documented key, set alone, must validate. Keys whose examples name
    // files (certificates, register maps, secrets) are left out: those files do not exist here; so is
    // mqtt.profile, whose cloud needs its own URL and credentials (test/config/cloud-profile.test.ts).
    const refused: string[] = [];
    for (const doc of FIELD_DOCS) {
      for (const [path, examples] of Object.entries(doc.examples)) {
        if (/tls\.|File$|^simulate\.i2c$|^sensors$|^remote\.publicKey$|^mqtt\.profile$/.test(path)) continue;
        for (const example of examples) {
          const raw: Record<string, unknown> = { sensors: [{ id: 'system', driver: 'system' }] };
          const parts = path.split('.');
          let target = raw;
          for (const part of parts.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
          target[parts[parts.length - 1] ?? ''] = example;
          try {
            parseConfig(raw, CONTEXT);
          } catch (error) {
            refused.push(`${path}: ${JSON.stringify(example)}: ${(error as Error).message}`);
          }
        }
      }
    }
    expect(refused).toEqual([]);
  });

  it('shows sensor, filter step and output examples the schema accepts', () => {
    const refused: string[] = [];
    const accepts = (what: string, raw: Record<string, unknown>): void => {
      try {
        parseConfig(raw, CONTEXT);
      } catch (error) {
        refused.push(`${what}: ${(error as Error).message}`);
      }
    };
    const air = { id: 'air', driver: 'bme280' };
    for (const [key, doc] of Object.entries(SENSOR_ITEM_DOCS)) {
      // deviceClass examples are for a door contact (a gpio-input), not a BME280.
      const base = key === 'deviceClass' ? { id: 'door', driver: 'gpio-input', pin: 17 } : air;
      for (const example of doc.examples) accepts(`sensors[].${key}: ${JSON.stringify(example)}`, { sensors: [{ ...base, [key]: example }] });
    }
    for (const [key, doc] of Object.entries(FILTER_STEP_DOCS)) {
      for (const example of doc.examples) {
        const step = key === 'heartbeat' ? { delta: 0.2, heartbeat: example } : { [key]: example };
        accepts(`filter ${key}: ${JSON.stringify(example)}`, { sensors: [{ ...air, filters: { temperature: [step] } }] });
      }
    }
    for (const [key, doc] of Object.entries(OUTPUT_ITEM_DOCS)) {
      for (const example of doc.examples) accepts(`outputs[].${key}: ${JSON.stringify(example)}`, { sensors: [air], outputs: [{ id: 'pump', driver: 'gpio-output', pin: 22, [key]: example }] });
    }
    expect(refused).toEqual([]);
  });

  it("shows section, nested key and driver option examples the schema accepts", () => {
    const refused: string[] = [];
    const accepts = (what: string, raw: Record<string, unknown>): void => {
      try {
        parseConfig({ sensors: [{ id: 'system', driver: 'system' }], ...raw }, CONTEXT);
      } catch (error) {
        refused.push(`${what}: ${(error as Error).message}`);
      }
    };
    /** `{ a: { b: value } }` for the path a.b; a `<pin>` part is pin 17. */
    const at = (path: string, value: unknown): Record<string, unknown> =>
      path
        .split('.')
        .reverse()
        .reduce<unknown>((inner, part) => ({ [part === '<pin>' ? '17' : part]: inner }), value) as Record<string, unknown>;
    // The keys a nested example needs beside it (a pulse's width needs its every).
    const beside: Record<string, Record<string, unknown>> = { 'simulate.gpio.<pin>.pulses.width': { every: '1s' } };
    for (const [path, doc] of Object.entries({ ...SECTION_DOCS, ...NESTED_KEY_DOCS })) {
      if (path === 'mqtt.tls') continue; // names certificate files that do not exist here
      for (const example of doc.examples) {
        const parent = path.split('.').slice(0, -1).join('.');
        const key = path.split('.').at(-1) ?? '';
        const raw = parent === '' ? { [key]: example } : at(parent, { ...beside[path], [key]: example });
        accepts(`${path}: ${JSON.stringify(example)}`, raw);
      }
    }
    for (const [path, doc] of Object.entries(FILTER_OPTION_DOCS)) {
      const [step = '', key = ''] = path.split('.');
      for (const example of doc.examples) {
        accepts(`filter ${path}: ${JSON.stringify(example)}`, { sensors: [{ id: 'air', driver: 'bme280', filters: { temperature: [{ [step]: { ...(step === 'clamp' ? {} : { window: 5 }), [key]: example } }] } }] });
      }
    }
    // Every driver option's examples, each set alone beside the driver's required options (their first example).
    type Variant = { properties: Record<string, { const?: string; examples?: unknown[] }>; required?: string[] };
    const variants = ((configJsonSchema().properties as Record<string, { items: { oneOf: Variant[] } }>).sensors?.items.oneOf ?? []);
    for (const variant of variants) {
      const driver = variant.properties.driver?.const ?? '';
      const own = Object.entries(variant.properties).filter(([key]) => !(key in SENSOR_ITEM_DOCS));
      const required = Object.fromEntries(own.filter(([key]) => variant.required?.includes(key)).map(([key, field]) => [key, field.examples?.[0]]));
      for (const [key, field] of own) {
        for (const example of field.examples ?? []) accepts(`${driver}.${key}: ${JSON.stringify(example)}`, { sensors: [{ id: 's', driver, ...required, [key]: example }] });
      }
    }
    expect(refused).toEqual([]);
  });
});
