// The README's config table is written from src/config/field-docs.ts, the text the editor schema
// also carries: a key added or re-explained without `npm run docs` fails here.
import { describe, expect, it } from 'vitest';
import { CONFIG_TABLE_BEGIN, CONFIG_TABLE_END, configTable, withConfigTable } from '../../src/docs/config-table.js';
import { FIELD_DOCS } from '../../src/config/field-docs.js';

describe('README config table', () => {
  it('has one row per field doc', () => {
    expect(configTable().split('\n').slice(2)).toHaveLength(FIELD_DOCS.length);
  });

  it('notices a stale table', () => {
    const stale = `intro\n${CONFIG_TABLE_BEGIN}\n| key | default | meaning |\n${CONFIG_TABLE_END}\n`;
    expect(withConfigTable(stale)).not.toBe(stale);
  });
});
