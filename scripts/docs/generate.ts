// `npm run docs`: rewrites the generated blocks (src/docs/generated-files.ts): README.md's config
// table (from src/config's field docs), driver table (from the driver definitions) and error table
// (from the error catalogue), and the sections of config/sensor-agent.example.yaml (from the field docs).
import { readFile, writeFile } from 'node:fs/promises';
import { GENERATED_FILES, regenerated } from '../../src/docs/generated-files.js';

for (const { file } of GENERATED_FILES) {
  const path = new URL(`../../${file}`, import.meta.url);
  const before = await readFile(path, 'utf8');
  const after = regenerated(file, before);
  if (after !== before) await writeFile(path, after);
  process.stdout.write(`${file}: ${after === before ? 'generated parts up to date' : 'generated parts rewritten'}\n`);
}
