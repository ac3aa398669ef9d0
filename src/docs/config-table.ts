// The README's config table, written from the field docs the editor schema also carries
// (src/config/field-docs.ts): `npm run docs` rewrites the lines between the markers;
// test/docs/config-table.test.ts fails while the README differs from what this writes.
import { FIELD_DOCS } from '../config/field-docs.js';
import { replaceBetween } from './markers.js';

export const CONFIG_TABLE_BEGIN = '<!-- config-table:begin (npm run docs writes this table from src/config/field-docs.ts) -->';
export const CONFIG_TABLE_END = '<!-- config-table:end -->';

export function configTable(): string {
  const rows = FIELD_DOCS.map((doc) => `| ${doc.label} | ${doc.default} | ${doc.meaning} |`);
  return ['| key | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

export function withConfigTable(readme: string): string {
  return replaceBetween(readme, CONFIG_TABLE_BEGIN, CONFIG_TABLE_END, configTable());
}
