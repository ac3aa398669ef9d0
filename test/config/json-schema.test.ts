// The committed editor schema (config/sensor-agent.schema.json) must match the zod schema.
// After changing the schema, regenerate it with:
//   UPDATE_SCHEMA=1 npx vitest run test/config/json-schema.test.ts
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';

const SCHEMA_FILE = fileURLToPath(new URL('../../config/sensor-agent.schema.json', import.meta.url));

describe('config/sensor-agent.schema.json', () => {
  it('matches the schema generated from src/config (UPDATE_SCHEMA=1 rewrites it)', async () => {
    const generated = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMA === '1') await writeFile(SCHEMA_FILE, generated);
    const committed = await readFile(SCHEMA_FILE, 'utf8').catch(() => '(missing)');
    expect(committed, 'regenerate with UPDATE_SCHEMA=1 npx vitest run test/config/json-schema.test.ts').toBe(generated);
  });

  it('shows durations and sizes as they are written in a file', () => {
    const mqtt = (configJsonSchema().properties as Record<string, { properties: Record<string, unknown> }>).mqtt;
    expect(mqtt?.properties.keepalive).toEqual({ default: '30s', type: ['string', 'number'], description: expect.stringContaining('keepalive'), examples: ['30s', '60s'] });
  });
});
