// `npm run docs`: rewrites README.md's generated blocks: the config table (from src/config's field
// docs) and the error table (from the error catalogue). Each writer replaces only its markers.
import { readFile, writeFile } from 'node:fs/promises';
import { withConfigTable } from '../../src/docs/config-table.js';
import { withErrorTable } from '../../src/docs/error-table.js';

const WRITERS = [withConfigTable, withErrorTable];

const path = new URL('../../README.md', import.meta.url);
const before = await readFile(path, 'utf8');
const after = WRITERS.reduce((text, write) => write(text), before);
if (after !== before) await writeFile(path, after);
process.stdout.write(after === before ? 'README.md: generated tables up to date\n' : 'README.md: generated tables rewritten\n');
