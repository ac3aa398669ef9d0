// Builds dist/sensor-agent.js: one ESM bundle for Node 20, native addons kept external
// (they are loaded from node_modules, built for the target architecture).
import { build } from 'esbuild';
import { chmod, readFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));

export const nativeAddons = ['classic-level', 'i2c-bus', 'onoff', 'epoll'];

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/sensor-agent.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: nativeAddons,
  sourcemap: 'linked',
  legalComments: 'none',
  define: { SENSOR_AGENT_VERSION: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies (mqtt, pino) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
await chmod('dist/sensor-agent.js', 0o755);
console.log(`built dist/sensor-agent.js (${pkg.version})`);
