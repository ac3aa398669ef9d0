// Bundles a TypeScript entry under test/hil/guest/ into dist/hil/<name>.mjs, so the guest runs the
// agent's own sources and the shared test helpers as they are, with the host's Node and no tsx.
// The bundle lives two folders below the checkout (as test/helpers/child-agent.ts expects of its
// own file when it computes REPO_ROOT) and keeps packages external: onoff, i2c-bus, aedes and the
// rest load from the checkout's node_modules, native addons included.
import { build } from 'esbuild';
import { basename, join } from 'node:path';
import { REPO_ROOT } from './guest.js';

export const GUEST_BUNDLE_DIR = join(REPO_ROOT, 'dist/hil');

/** Bundles test/hil/guest/<name>.ts; returns the bundle's absolute path (what the guest runs). */
export async function bundleGuestScript(name: string): Promise<string> {
  const outfile = join(GUEST_BUNDLE_DIR, `${basename(name, '.ts')}.mjs`);
  await build({
    entryPoints: [join(REPO_ROOT, 'test/hil/guest', `${basename(name, '.ts')}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  return outfile;
}
