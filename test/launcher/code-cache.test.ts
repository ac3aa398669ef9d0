// The launcher's V8 code cache: made after a first run, used by the next, never trusted blindly
// (another build, a damaged file, an unwritable folder all fall back to compiling from source).
// Each run is its own node process: within one process V8 would find the script in its in-memory
// compilation cache and never look at the file.
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';

const MODULE = new URL('../../src/launcher/code-cache.ts', import.meta.url).href;

interface Run {
  cache: string;
  cacheFile: string | null;
  wrote: boolean;
  bundle: { strict: boolean; sep: string; stack: string; extra?: number };
}

/** Runs `file` through runWithCodeCache in a fresh node, writes the cache at once, reports both. */
function launch(file: string, cacheDir: string | null): Run {
  const script = `import { runWithCodeCache } from ${JSON.stringify(MODULE)};
    const launched = runWithCodeCache({ file: ${JSON.stringify(file)}, cacheDir: ${JSON.stringify(cacheDir)} });
    const wrote = launched.writeCache();
    console.log(JSON.stringify({ cache: launched.cache, cacheFile: launched.cacheFile, wrote, bundle: globalThis.bundleRan }));`;
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })) as Run;
}

const BUNDLE = `#!/usr/bin/env node
globalThis.bundleRan = { strict: (function () { return this === undefined; })(), sep: require('node:path').sep };
globalThis.bundleRan.stack = new Error('where').stack;
`;

describe('runWithCodeCache', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let bundle: string;
  let cacheDir: string;
  beforeEach(async () => {
    dir = await makeTempDir('sensor-agent-code-cache-');
    bundle = join(dir.path, 'bundle.cjs');
    cacheDir = join(dir.path, 'cache');
    writeFileSync(bundle, BUNDLE);
  });
  afterEach(() => dir.cleanup());

  it('runs the bundle as strict CommonJS with its own require, keeping its line numbers', () => {
    const run = launch(bundle, null);
    expect(run).toMatchObject({ cache: 'off', cacheFile: null, wrote: false, bundle: { strict: true, sep: '/' } });
    expect(run.bundle.stack).toContain(`${bundle}:3:`);
  });

  it('makes a cache on the first run and uses it on the next', () => {
    const first = launch(bundle, cacheDir);
    expect(first).toMatchObject({ cache: 'missing', wrote: true });
    expect(readdirSync(cacheDir)).toEqual([first.cacheFile!.split('/').at(-1)]);
    const second = launch(bundle, cacheDir);
    expect(second).toMatchObject({ cache: 'accepted', cacheFile: first.cacheFile, wrote: false, bundle: { strict: true } });
  });

  it('ignores the cache of another build and removes it once the new one is written', () => {
    const old = launch(bundle, cacheDir);
    writeFileSync(join(cacheDir, `${old.cacheFile!.split('/').at(-1)}.999999.tmp`), 'a write killed midway');
    writeFileSync(bundle, `${BUNDLE}globalThis.bundleRan.extra = 1;\n`);
    const rebuilt = launch(bundle, cacheDir);
    expect(rebuilt).toMatchObject({ cache: 'missing', wrote: true, bundle: { extra: 1 } });
    expect(rebuilt.cacheFile).not.toBe(old.cacheFile);
    expect(readdirSync(cacheDir)).toEqual([rebuilt.cacheFile!.split('/').at(-1)]);
  });

  it('compiles from source when V8 rejects a damaged cache, and replaces it', () => {
    const first = launch(bundle, cacheDir);
    writeFileSync(first.cacheFile!, Buffer.alloc(4096, 7));
    expect(launch(bundle, cacheDir)).toMatchObject({ cache: 'rejected', wrote: true, bundle: { strict: true } });
    expect(launch(bundle, cacheDir).cache).toBe('accepted');
  });

  it('makes its own folder but not a missing parent', () => {
    expect(launch(bundle, join(dir.path, 'state', 'code-cache'))).toMatchObject({ cache: 'missing', wrote: false, bundle: { strict: true } });
    expect(readdirSync(dir.path)).toEqual(['bundle.cjs']);
  });

  it('runs without a cache when its folder cannot be written', () => {
    const notAFolder = join(dir.path, 'file');
    writeFileSync(notAFolder, '');
    expect(launch(bundle, join(notAFolder, 'cache'))).toMatchObject({ cache: 'missing', wrote: false, bundle: { strict: true } });
  });
});
