// Builds dist/sensor-agent.cjs: one CommonJS bundle for Node 20, native addons kept external
// (they are loaded from node_modules, built for the target architecture); dist/sensor-agent.js, the
// small launcher that runs it through a V8 code cache (src/launcher/); and beside them
// dist/status-page/index.html, the self-contained status page the agent serves at /.
import * as esbuild from 'esbuild';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { buildStatusPage } from './src/status/page/build-page.mjs';

const { build } = esbuild;

const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));

/** The packages with a native addon: scripts/package.sh ships them (built for the target) in node_modules. */
export const nativeAddons = ['classic-level', 'i2c-bus', 'onoff', 'epoll', 'gpio-cdev'];

/**
 * zod re-exports all of its ~50 error-message locales (360 KB of the bundle) as `z.locales`; the
 * agent uses only the English default, which zod imports on its own. Parsing less is starting
 * sooner on a Pi (bench/start.ts).
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'zod-english-only' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/**
 * MQTT.js and mqtt-packet call `debug` about ten times per publish. Disabled, each call still
 * gathers its arguments into an array before it returns: a fifth of all the bytes a drain
 * allocated (BENCHMARKS.md, "Performance round 2"). Unless $DEBUG is set when the agent starts,
 * `require('debug')` gives loggers that do nothing; with DEBUG=mqttjs* the real module is used.
 */
const debugOnlyWhenAsked = {
  name: 'debug-only-when-asked',
  setup(build) {
    build.onResolve({ filter: /^debug$/ }, (args) =>
      args.namespace === 'debug-only-when-asked' ? undefined : { path: `debug:${args.resolveDir}`, namespace: 'debug-only-when-asked', pluginData: args.resolveDir },
    );
    build.onLoad({ filter: /.*/, namespace: 'debug-only-when-asked' }, (args) => ({
      resolveDir: args.pluginData,
      loader: 'js',
      contents: `
        const real = require('debug');
        function off(namespace) {
          const logger = function debug() {};
          logger.enabled = false;
          logger.namespace = namespace;
          logger.log = function log() {};
          logger.extend = (sub, delimiter = ':') => off(namespace + delimiter + sub);
          logger.destroy = function destroy() {};
          return logger;
        }
        module.exports = process.env.DEBUG ? real : Object.assign(off, real, { enabled: () => false });
      `,
    }));
  },
};

/**
 * classic-level's JavaScript (and abstract-level's under it) goes into the bundle, so it is read
 * through the code cache; only its `./binding` (node-gyp-build finding the .node for this
 * architecture beside it) stays in node_modules. Loaded from there uncompiled it was ~13 ms of a
 * 200 ms start (bench/start.ts).
 */
const classicLevelBindingOnly = {
  name: 'classic-level-binding-only',
  setup(build) {
    build.onResolve({ filter: /^\.\/binding$/ }, (args) =>
      /[\\/]classic-level[\\/]/.test(args.importer) ? { path: 'classic-level/binding.js', external: true } : undefined,
    );
  },
};

// CommonJS, not ESM: vm.Script can run it with a V8 code cache (Node 20 has no code cache for ES
// modules), which saves most of compiling 1.4 MB at every start (bench/start.ts).
await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/sensor-agent.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // esbuild: only imported (dynamically) when running from sources without dist/status-page/.
  external: [...nativeAddons.filter((name) => name !== 'classic-level'), 'esbuild'],
  // import() of the external addons becomes require(): a vm.Script has no module loader of its own.
  supported: { 'dynamic-import': false },
  sourcemap: 'linked',
  legalComments: 'none',
  // Less to read and parse at every start. Identifiers are not minified, so stack traces keep
  // their function names without keepNames (whose __name() calls showed up in the drain profile).
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [zodEnglishOnly, debugOnlyWhenAsked, classicLevelBindingOnly],
  define: { SENSOR_AGENT_VERSION: JSON.stringify(pkg.version), 'import.meta.url': '__bundleUrl' },
  banner: { js: "var __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
// The launcher is CommonJS too: an ES module entry point starts node's ES module loader before
// anything else (~15 ms of the start). dist/package.json tells node so (the repository's own says
// "type": "module"); the release carries the same file (scripts/package.sh).
await build({
  entryPoints: ['src/launcher/main.ts'],
  outfile: 'dist/sensor-agent.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  define: { 'import.meta.url': '__launcherUrl' },
  banner: { js: "var __launcherUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  logLevel: 'warning',
});
await writeFile('dist/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
await chmod('dist/sensor-agent.js', 0o755);
console.log(`built dist/sensor-agent.js and dist/sensor-agent.cjs (${pkg.version})`);

const statusPage = await buildStatusPage(esbuild);
await mkdir('dist/status-page', { recursive: true });
await writeFile('dist/status-page/index.html', statusPage);
console.log(`built dist/status-page/index.html (${Buffer.byteLength(statusPage)} bytes)`);
