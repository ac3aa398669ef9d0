// Types for build-page.mjs (plain JS so build.mjs can import it without a TypeScript loader).
export function buildStatusPage(esbuild: typeof import('esbuild')): Promise<string>;
