// `npm run docs:errors`: rewrites README.md's error table from the error catalogue.
import { readFile, writeFile } from 'node:fs/promises';
import { withErrorTable } from '../../src/docs/error-table.js';

const path = new URL('../../README.md', import.meta.url);
const before = await readFile(path, 'utf8');
const after = withErrorTable(before);
if (after !== before) await writeFile(path, after);
process.stdout.write(after === before ? 'README.md: error table up to date\n' : 'README.md: error table rewritten\n');
