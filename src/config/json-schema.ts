// The JSON schema editors use to complete and check config files (config/sensor-agent.schema.json),
// generated from the zod schema so the two never disagree. It describes the input side: durations
// show as string | number, defaults as written in a file. The committed copy is checked by
// test/config/json-schema.test.ts, which rewrites it with UPDATE_SCHEMA=1.
import { z } from 'zod';
import { configSchema } from './schema.js';

/** Generating the schema never parses, so no environment or files are involved. */
const SCHEMA_ONLY = { env: {}, baseDir: '/', hostname: 'localhost' };

let cached: Record<string, unknown> | undefined;

export function configJsonSchema(): Record<string, unknown> {
  cached ??= {
    ...z.toJSONSchema(configSchema(SCHEMA_ONLY), { io: 'input', unrepresentable: 'any' }),
    title: 'sensor-agent configuration',
  };
  return cached;
}
