// Temp folders with config files for the config tests (each test gets its own folder).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const made: string[] = [];

afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh folder holding `files` (name → content); returns its path. */
export async function tempFolder(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sensor-agent-config-'));
  made.push(dir);
  await Promise.all(Object.entries(files).map(([name, content]) => writeFile(join(dir, name), content)));
  return dir;
}

/** Writes `text` as config.yaml (or another name) in a fresh folder; returns the file's path. */
export async function configFile(text: string, name = 'config.yaml', files: Record<string, string> = {}): Promise<string> {
  const dir = await tempFolder({ ...files, [name]: text });
  return join(dir, name);
}

export const MINIMAL = 'sensors:\n  - { id: greenhouse, driver: simulated }\n';
