// The README's error section, written from the error catalogue (src/errors/catalogue.ts): a code
// added there gets its row, and a row cannot drift from the code it describes. `npm run
// docs:errors` rewrites the lines between the markers; test/docs/error-table.test.ts fails while
// the README differs from what this writes.
import { ERROR_ALIASES, ERROR_CATALOGUE } from '../errors/catalogue.js';
import { replaceBetween } from './markers.js';

export const ERROR_TABLE_BEGIN = '<!-- error-table:begin (npm run docs writes this table from src/errors/catalogue.ts) -->';
export const ERROR_TABLE_END = '<!-- error-table:end -->';

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The table in catalogue order (grouped by area), then the old names still documented. */
export function errorTable(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(([code, entry]) => `| \`${code}\` | ${entry.area} | ${cell(entry.message)} | ${cell(entry.action)} |`);
  const aliases = Object.entries(ERROR_ALIASES).map(([old, code]) => `\`${old}\` is now \`${code}\``);
  return ['| code | area | what happened | what to do |', '| --- | --- | --- | --- |', ...rows, '', `Earlier names: ${aliases.join('; ')} (same failure, same meaning).`].join('\n');
}

/** `readme` with the error table between the markers replaced; throws when the markers are missing. */
export function withErrorTable(readme: string): string {
  return replaceBetween(readme, ERROR_TABLE_BEGIN, ERROR_TABLE_END, errorTable());
}
