// Files a config names (TLS ca/cert/key, passwordFile, tokenFile): `${VAR}` expansion from the
// environment (systemd's `${CREDENTIALS_DIRECTORY}/mqtt-password`), paths relative to the config
// file's folder, and the check that each file can be read. A missing CA file is a bad config at
// start, not a surprise at the first reconnect.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** What parsing needs from outside the config text itself. */
export interface ConfigContext {
  env: NodeJS.ProcessEnv;
  /** Folder of the config file: relative paths in the config resolve against it. */
  baseDir: string;
  /** The host's name, the default device id (sanitized). */
  hostname: string;
}

export type NamedFile = { ok: true; path: string; text: string } | { ok: false; problem: string };

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `${VAR}` replaced from `env`; the first unset variable's name when one is missing. */
export function expandVariables(value: string, env: NodeJS.ProcessEnv): { value: string } | { unset: string } {
  for (const match of value.matchAll(VARIABLE)) {
    const name = match[1] ?? '';
    if (env[name] === undefined) return { unset: name };
  }
  return { value: value.replace(VARIABLE, (_whole, name: string) => env[name] ?? '') };
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder, not a file';
  return code ?? String(error);
}

/** Expands, resolves and reads a file the config names; the problem is phrased to follow its JSON value. */
export function readNamedFile(raw: string, context: ConfigContext): NamedFile {
  const expanded = expandVariables(raw, context.env);
  if ('unset' in expanded) {
    return { ok: false, problem: `uses \${${expanded.unset}}, which is not set in the environment` };
  }
  const path = resolve(context.baseDir, expanded.value);
  try {
    return { ok: true, path, text: readFileSync(path, 'utf8') };
  } catch (error) {
    return { ok: false, problem: `cannot be read (${path}: ${describeReadError(error)})` };
  }
}

/** The default device id: the host name, lowercased, anything outside [a-z0-9_-] turned into '-'. */
export function deviceIdFromHostname(hostname: string): string {
  const id = hostname
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return id === '' ? 'sensor-agent' : id;
}
