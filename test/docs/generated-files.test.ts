// Every file with generated blocks is as `npm run docs` writes it: a config key, driver or error code
// added or re-explained without running it fails here (each table's own test checks its rows).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILES, regenerated } from '../../src/docs/generated-files.js';
import { REPO_ROOT } from '../helpers/child-agent.js';

describe('generated docs', () => {
  it.each(GENERATED_FILES.map(({ file }) => file))('%s is as npm run docs writes it', async (file) => {
    const text = await readFile(join(REPO_ROOT, file), 'utf8');
    expect(regenerated(file, text)).toBe(text);
  });
});
