// Finds the status page (one self-contained HTML document) and prepares it for serving: its
// Content-Security-Policy (hashes of its inline script and style) and a gzipped copy.
// Where it comes from:
//   - the bundle: dist/sensor-agent.js reads dist/status-page/index.html, written by build.mjs;
//   - sources (vitest, tsx): there is no status-page/ beside this file, so the page is built in
//     memory from src/status/page/ with esbuild (a devDependency, imported only then, dynamically).
// When neither works (a bundle copied without its status-page/ folder) a plain page says so.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';

export interface PageAsset {
  html: string;
  gzipped: Buffer;
  csp: string;
  /** 200, or 503 when the page is missing and this is the notice saying so. */
  status: number;
}

const builtPage = new URL('./status-page/index.html', import.meta.url);
// Not a string literal in import(): esbuild must leave these out of the bundle.
const pageBuilder = './page/build-page.mjs';
const esbuildModule = 'esbuild';

interface PageBuilder {
  buildStatusPage(esbuild: unknown): Promise<string>;
}

async function loadHtml(): Promise<string> {
  try {
    return await readFile(builtPage, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const [builder, esbuild] = await Promise.all([import(pageBuilder) as Promise<PageBuilder>, import(esbuildModule) as Promise<unknown>]);
  return builder.buildStatusPage(esbuild);
}

function hash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

/** Only the page's own inline script and style may run; it may only talk back to this agent. */
export function pageCsp(html: string): string {
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => hash(match[1] ?? ''));
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => hash(match[1] ?? ''));
  return (
    `default-src 'none'; script-src ${scripts.join(' ') || "'none'"}; style-src ${styles.join(' ') || "'none'"}; ` +
    `img-src data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`
  );
}

export function prepare(html: string, status = 200): PageAsset {
  return { html, gzipped: gzipSync(html, { level: 9 }), csp: pageCsp(html), status };
}

const missingPage = (reason: string): string =>
  `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<title>sensor-agent</title><h1>Status page not installed</h1>` +
  `<p>The agent runs, but its page (status-page/index.html beside sensor-agent.js) is missing: ${escapeHtml(reason)}.</p>` +
  `<p>The figures are at <a href="status.json">status.json</a> and <a href="metrics">metrics</a>.</p>`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

let loading: Promise<PageAsset> | null = null;

/** The page, loaded or built once per process; never rejects. */
export function statusPage(): Promise<PageAsset> {
  loading ??= loadHtml().then(
    (html) => prepare(html),
    (error: unknown) => prepare(missingPage(error instanceof Error ? error.message.split('\n')[0] ?? 'unknown' : String(error)), 503),
  );
  return loading;
}
