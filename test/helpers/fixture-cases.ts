// Test cases kept as folders: one folder a case under test/fixtures/<area>/, found by listing, so
// adding a case is adding a folder (a sysfs tree, a bad config with its expected message beside it).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_ROOT = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface CaseFolder {
  /** The folder's name: the case's name in test titles and failure lines. */
  name: string;
  path: string;
}

/** Every case folder under test/fixtures/<area> (e.g. 'sysfs/w1', 'configs/bad'), by name. */
export function caseFolders(area: string): CaseFolder[] {
  const root = join(FIXTURES_ROOT, area);
  const cases = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({ name: entry.name, path: join(root, entry.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (cases.length === 0) throw new Error(`no case folders under ${root}`);
  return cases;
}

/** The path of one case of an area, failing when it is not there (a renamed folder, a typo). */
export function caseFolder(area: string, name: string): string {
  const path = join(FIXTURES_ROOT, area, name);
  if (!existsSync(path)) throw new Error(`no fixture case ${area}/${name}`);
  return path;
}

export interface BadConfigCase extends CaseFolder {
  /** config.yaml or config.json; every other file of the folder is copied beside it. */
  configFile: string;
  /** From expected.txt: a fragment the one-line message must contain (a key path, usually). */
  expect: string;
}

/** test/fixtures/configs/bad/<case>/: a config that must be refused and the message expected. */
export function badConfigCases(): BadConfigCase[] {
  return caseFolders('configs/bad').map((folder) => {
    const configFile = ['config.yaml', 'config.json'].find((name) => existsSync(join(folder.path, name)));
    if (configFile === undefined) throw new Error(`${folder.path}: no config.yaml or config.json`);
    const expect = readFileSync(join(folder.path, 'expected.txt'), 'utf8').replace(/\n$/, '');
    if (expect === '') throw new Error(`${folder.path}/expected.txt is empty`);
    return { ...folder, configFile, expect };
  });
}
