// The README's config table is written from src/config/field-docs.ts, the text the editor schema
// also carries: a key added or re-explained without `npm run docs` fails here.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_TABLE_BEGIN, CONFIG_TABLE_END, configTable, withConfigTable } from '../../src/docs/config-table.js';
import { FIELD_DOCS } from '../../src/config/field-docs.js';
import { REPO_ROOT } from '../helpers/child-agent.js';

describe('README config table', () => {
  it('is the table the field docs write (run npm run docs)', async () => {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(CONFIG_TABLE_BEGIN);
    expect(withConfigTable(readme)).toBe(readme);
  });

  it('has one row per field doc', () => {
    expect(configTable().split('\n').slice(2)).toHaveLength(FIELD_DOCS.length);
  });

  it('notices a stale table', () => {
    const stale = `intro\n${CONFIG_TABLE_BEGIN}\n| key | default | meaning |\n${CONFIG_TABLE_END}\n`;
    expect(withConfigTable(stale)).not.toBe(stale);
  });
});
