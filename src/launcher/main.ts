#!/usr/bin/env node
// dist/sensor-agent.js, the command the unit and /usr/bin/sensor-agent start: runs the agent's
// bundle (sensor-agent.cjs beside it) through a V8 code cache (code-cache.ts), so a start after the
// first skips most of compiling it.
// CommonJS (dist/package.json says so), like the bundle: an ES module entry point would start
// node's ES module loader first, ~15 ms of a 230 ms start (bench/start.ts).
// Where the cache lives: $SENSOR_AGENT_CODE_CACHE (a folder, or "off"); else the unit's
// StateDirectory ($STATE_DIRECTORY/code-cache: the only writable place under ProtectSystem=strict);
// else a code-cache folder beside the bundle (development, tests, a tarball run by hand).
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { runWithCodeCache } from './code-cache.js';

const here = dirname(fileURLToPath(import.meta.url));

function cacheDir(): string | null {
  const chosen = process.env.SENSOR_AGENT_CODE_CACHE;
  if (chosen === 'off') return null;
  if (chosen) return chosen;
  const state = process.env.STATE_DIRECTORY?.split(':')[0];
  return state ? join(state, 'code-cache') : join(here, 'code-cache');
}

runWithCodeCache({ file: join(here, 'sensor-agent.cjs'), cacheDir: cacheDir() });
