// The README's error section is written from the error catalogue: a code added, renamed or
// re-explained without `npm run docs` fails here.
import { describe, expect, it } from 'vitest';
import { ERROR_TABLE_BEGIN, ERROR_TABLE_END, errorTable, withErrorTable } from '../../src/docs/error-table.js';
import { ERROR_CATALOGUE } from '../../src/errors/catalogue.js';

describe('README error table', () => {
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
