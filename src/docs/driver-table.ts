// The README's driver table, written from the driver definitions (src/sensors/registry.ts): a
// driver added to the registry gets its row, and a row cannot drift from the driver it describes.
// `npm run docs` rewrites the lines between the markers; test/docs/driver-table.test.ts
// fails while the README differs from what this writes.
import { driverDefinitions } from '../sensors/registry.js';

export const DRIVER_TABLE_BEGIN = '<!-- driver-table:begin (npm run docs writes this table from src/sensors) -->';
export const DRIVER_TABLE_END = '<!-- driver-table:end -->';

/** The table in registry order: driver, options (default), values (units), wiring notes. */
export function driverTable(): string {
  const rows = driverDefinitions.map(({ name, readme }) => `| \`${name}\` | ${readme.options} | ${readme.values} | ${readme.wiring} |`);
  return ['| driver | options (default) | values (units) | wiring notes |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** `readme` with the table between the markers replaced; throws when the markers are missing. */
export function withDriverTable(readme: string): string {
  const begin = readme.indexOf(DRIVER_TABLE_BEGIN);
  const end = readme.indexOf(DRIVER_TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`README.md: the driver table markers ${DRIVER_TABLE_BEGIN} ... ${DRIVER_TABLE_END} are missing`);
  return `${readme.slice(0, begin + DRIVER_TABLE_BEGIN.length)}\n${driverTable()}\n${readme.slice(end)}`;
}
