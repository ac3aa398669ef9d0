// The README's error section is written from the error catalogue: a code added, renamed or
// re-explained without `npm run docs` fails here.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_TABLE_BEGIN, ERROR_TABLE_END, errorTable, withErrorTable } from '../../src/docs/error-table.js';
import { ERROR_CATALOGUE } from '../../src/errors/catalogue.js';
import { REPO_ROOT } from '../helpers/child-agent.js';

describe('README error table', () => {
  it('is the table the catalogue writes (run npm run docs)', async () => {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(ERROR_TABLE_BEGIN);
    expect(withErrorTable(readme)).toBe(readme);
  });

  it('has one row per catalogue code, and names the old names', () => {
    const rows = errorTable()
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    expect(rows.map((row) => /^\| `([^`]+)`/.exec(row)?.[1])).toEqual(Object.keys(ERROR_CATALOGUE));
    expect(errorTable()).toContain('`CRC_ERROR` is now `CRC_MISMATCH`');
  });

  it('notices a stale table', () => {
    const stale = `intro\n${ERROR_TABLE_BEGIN}\n| code | area | what happened | what to do |\n${ERROR_TABLE_END}\n`;
    expect(withErrorTable(stale)).not.toBe(stale);
    expect(() => withErrorTable('no markers')).toThrow(/markers/);
  });
});
