// `npm run docs`: rewrites the generated blocks: README.md's config table (from src/config's field
// docs), driver table (from the driver definitions) and error table (from the error catalogue), and the sections of
// config/sensor-agent.example.yaml (from the field docs). Each writer replaces only its markers.
import { readFile, writeFile } from 'node:fs/promises';
import { withConfigTable } from '../../src/docs/config-table.js';
import { withDriverTable } from '../../src/docs/driver-table.js';
import { withErrorTable } from '../../src/docs/error-table.js';
import { withExampleSections } from '../../src/docs/example-config.js';

const FILES: ReadonlyArray<[string, Array<(text: string) => string>]> = [
  ['README.md', [withConfigTable, withDriverTable, withErrorTable]],
  ['config/sensor-agent.example.yaml', [withExampleSections]],
];

for (const [name, writers] of FILES) {
  const path = new URL(`../../${name}`, import.meta.url);
  const before = await readFile(path, 'utf8');
  const after = writers.reduce((text, write) => write(text), before);
  if (after !== before) await writeFile(path, after);
  process.stdout.write(`${name}: ${after === before ? 'generated parts up to date' : 'generated parts rewritten'}\n`);
}
