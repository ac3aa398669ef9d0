// `npm run docs:drivers`: rewrites README.md's driver table from the driver definitions.
import { readFile, writeFile } from 'node:fs/promises';
import { withDriverTable } from '../../src/docs/driver-table.js';

const path = new URL('../../README.md', import.meta.url);
const before = await readFile(path, 'utf8');
const after = withDriverTable(before);
if (after !== before) await writeFile(path, after);
process.stdout.write(after === before ? 'README.md: driver table up to date\n' : 'README.md: driver table rewritten\n');
