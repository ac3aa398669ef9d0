// The shared schema pieces (durations, sizes, field types, named files) live in src/schema, a leaf:
// the drivers and the hardware use them without importing src/config, which imports the driver
// registry and the hardware, so neither folder is in an import cycle with src/config.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

function importsOf(folder: string): Array<{ file: string; target: string }> {
  const found: Array<{ file: string; target: string }> = [];
  for (const entry of readdirSync(join(SRC, folder), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      found.push({ file: relative(SRC, file), target: relative(SRC, normalize(join(dirname(file), match[1] ?? ''))) });
    }
  }
  return found;
}

const outside = (folder: string, allowed: string[]) =>
  importsOf(folder)
    .filter(({ target }) => !allowed.some((prefix) => target.startsWith(`${prefix}/`)))
    .map(({ file, target }) => `${file} -> ${target}`);

describe('folder imports', () => {
  it('src/schema imports nothing else of src', () => {
    expect(outside('schema', ['schema'])).toEqual([]);
  });

  it.each(['sensors', 'hardware'])('src/%s does not import src/config', (folder) => {
    expect(importsOf(folder).filter(({ target }) => target.startsWith('config/')).map(({ file, target }) => `${file} -> ${target}`)).toEqual([]);
  });
});
