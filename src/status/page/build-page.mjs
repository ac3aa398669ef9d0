// Builds the status page into one self-contained HTML document: the template with the bundled,
// minified script and stylesheet inlined (one request, so a `?token=` on the page URL is all the
// page needs, and it works with no internet). Shared by build.mjs and, when dist/ was not built,
// by the agent running from sources (src/status/page-assets.ts): one definition of the page.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = (name) => fileURLToPath(new URL(name, import.meta.url));

/** @param {typeof import('esbuild')} esbuild @returns {Promise<string>} */
export async function buildStatusPage(esbuild) {
  const result = await esbuild.build({
    entryPoints: { app: here('./app.ts'), style: here('./app.css') },
    outdir: here('./out'),
    bundle: true,
    minify: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
    legalComments: 'none',
    logLevel: 'silent',
  });
  const output = (extension) => {
    const file = result.outputFiles.find((candidate) => candidate.path.endsWith(extension));
    if (!file) throw new Error(`status page build produced no ${extension}`);
    return file.text.trim();
  };
  const script = output('.js');
  const style = output('.css');
  if (/<\/script/i.test(script) || /<\/style/i.test(style)) throw new Error('status page: an inlined asset contains a closing tag');
  const template = await readFile(here('./index.html'), 'utf8');
  // Functions as replacements: `$&` and friends in the minified code must stay literal.
  return template.replace('/*STYLE*/', () => style).replace('/*SCRIPT*/', () => script);
}
