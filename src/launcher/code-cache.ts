// Runs a CommonJS bundle through a V8 code cache: the bytecode of the bundle's functions, kept in a
// file after a first run, so later starts skip most of the parsing and compiling (bench/start.ts).
// Node 20 has no module.enableCompileCache(); this is the same idea with vm.Script's cachedData.
//
// A cache is only ever a shortcut, never a source of truth:
//   - its name carries the bundle's size and modification time (a new build is a new file), Node's
//     version, the architecture and node's flags, so a new build, another Node or other V8 flags
//     never find an old cache. Not a hash of the bytes: node:crypto alone cost ~10 ms of a 230 ms
//     start (bench/start.ts), and V8 checks the source's length and its own flags again;
//   - V8 checks it again (version, flags, source) and rejects what does not fit: the bundle is
//     then compiled from source as without a cache, and a fresh cache replaces the rejected one;
//   - a cache that cannot be read or written (read-only folder, full disk) costs nothing but speed.
// It is written once per build and flags, a moment after start (so the functions that start and
// the first publish ran are in it) or at exit, whichever comes first; atomically (temp + rename).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

export type CodeCacheState = 'accepted' | 'rejected' | 'missing' | 'off';

export interface CodeCacheOptions {
  /** The CommonJS bundle to run (its require() resolves from its own folder). */
  file: string;
  /** Folder for the cache files, or null to run without a cache. */
  cacheDir: string | null;
  /** How long after the run the cache is written (default 1500 ms); also written at exit. */
  writeAfterMs?: number;
}

export interface LaunchedBundle {
  /** What became of the cache at this start. */
  cache: CodeCacheState;
  /** The cache file for this bundle, Node and flags (null when off). */
  cacheFile: string | null;
  /** Writes the cache now if this start did not use one; true when a file was written. */
  writeCache(): boolean;
}

const PREFIX = 'sensor-agent-';
const SUFFIX = '.v8cache';

/** 32-bit FNV-1a of a short string, as 8 hex digits: a name, not a defence against anyone. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** The bundle's part of the cache name: a new build (a new file) never reads an old build's cache. */
function bundleKey(file: string, length: number): string {
  const { mtimeNs } = statSync(file, { bigint: true });
  return `${length.toString(36)}${mtimeNs.toString(36)}`;
}

/** Node, architecture and V8 flags: a cache made under other flags is kept apart, not fought over. */
function runtimeKey(): string {
  return fnv1a([process.version, process.arch, process.execArgv.join(' '), process.env.NODE_OPTIONS ?? ''].join('\n'));
}

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** Removes the caches of other builds (any flags), and temp files a killed write left; best effort. */
function removeStale(cacheDir: string, key: string): void {
  try {
    for (const name of readdirSync(cacheDir)) {
      if (!name.startsWith(PREFIX)) continue;
      const otherBuild = name.endsWith(SUFFIX) && !name.startsWith(`${PREFIX}${key}-`);
      const leftOver = name.endsWith('.tmp') && !name.endsWith(`.${process.pid}.tmp`);
      if (otherBuild || leftOver) rmSync(join(cacheDir, name), { force: true });
    }
  } catch {
    // No folder yet, or not ours to list: nothing to clean.
  }
}

export function runWithCodeCache(options: CodeCacheOptions): LaunchedBundle {
  const bytes = readFileSync(options.file);
  const key = options.cacheDir === null ? null : bundleKey(options.file, bytes.length);
  const cacheFile = options.cacheDir === null || key === null ? null : join(options.cacheDir, `${PREFIX}${key}-${runtimeKey()}${SUFFIX}`);
  const cachedData = cacheFile === null ? null : readOrNull(cacheFile);

  let source = bytes.toString('utf8');
  // A hashbang line is not JavaScript inside a function; blank it, keeping the line numbers.
  if (source.startsWith('#!')) source = source.slice(source.indexOf('\n'));
  // The CommonJS wrapper on a line of its own (lineOffset -1 keeps the bundle's line numbers for
  // stack traces and its source map); strict like the ES module bundle it replaces.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { 'use strict';\n${source}\n})`;
  const script = new Script(wrapped, { filename: options.file, lineOffset: -1, ...(cachedData ? { cachedData } : {}) });
  const cache: CodeCacheState = cacheFile === null ? 'off' : cachedData === null ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted';

  let written = cache === 'accepted' || cache === 'off';
  const writeCache = (): boolean => {
    if (written || cacheFile === null || options.cacheDir === null || key === null) return false;
    written = true;
    try {
      // The folder itself, never its parent: a StateDirectory is systemd's to make (and a start
      // that fails on a bad config must leave no state folder behind).
      mkdirSync(options.cacheDir, { mode: 0o700 });
    } catch {
      // Already there, or no parent: the write below tells.
    }
    try {
      const partial = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
      renameSync(partial, cacheFile);
      removeStale(options.cacheDir, key);
      return true;
    } catch {
      return false;
    }
  };
  if (!written) {
    setTimeout(writeCache, options.writeAfterMs ?? 1500).unref();
    process.once('exit', () => void writeCache());
  }

  const module = { exports: {} };
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  run.call(module.exports, module.exports, createRequire(options.file), module, options.file, dirname(options.file));
  return { cache, cacheFile, writeCache };
}
