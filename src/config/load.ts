// Loading a config: read the file (YAML; a .json file must be JSON), apply SENSOR_AGENT_*
// environment overrides, validate against the schema, and throw one ConfigError listing every
// problem. Also the masked view `check-config` prints.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { applyEnvOverrides } from './env.js';
import { ConfigError } from './errors.js';
import { describeIssues, errorMap } from './issues.js';
import { isRecord } from './keys.js';
import { configSchema, type Config, type ConfigContext } from './schema.js';
import { maskUrlCredentials } from './mask-url.js';
import { configWarnings } from './warnings.js';
import { applyProfile } from './cloud-profiles.js';

export interface LoadOptions {
  /** The host name the default device id comes from; os.hostname() when absent. */
  hostname?: string;
}

async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reasons: Record<string, string> = { ENOENT: 'not found', EACCES: 'permission denied', EISDIR: 'is a folder, not a config file' };
    const reason = (code !== undefined ? reasons[code] : undefined) ?? `cannot be read (${code ?? String(error)})`;
    throw new ConfigError([`config file ${file}: ${reason}`]);
  }
}

/** `key:` with nothing after it means "not set" (a section whose keys are all commented out). */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, entry]) => entry !== null)
      .map(([key, entry]) => [key, dropNulls(entry)]),
  );
}

/** A value for a message, cut short: a binary file read as YAML is one huge scalar. */
function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Line and column (1-based) of a character offset. */
function position(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
}

/**
 * A .json file is read as JSON: YAML would also take trailing commas, comments and unquoted keys,
 * so a file that other JSON tools reject would load here. The YAML parse that follows gives the
 * same data for valid JSON and keeps one path for everything after it.
 */
function checkJson(text: string, file: string): void {
  try {
    JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    // Node 20 says "Unexpected token ']', ...<snippet>... is not valid JSON" without a position.
    const stated = Number(/at position (\d+)/.exec(message)?.[1] ?? NaN);
    const trailingComma = /,(\s*[\]}])/.exec(text);
    const offset = Number.isFinite(stated) ? stated : trailingComma?.index;
    const where = offset === undefined ? '' : (({ line, col }) => `line ${line}, column ${col}: `)(position(text, offset));
    const reason = trailingComma !== null && (offset === trailingComma.index || !Number.isFinite(stated))
      ? 'a trailing comma before a closing bracket is not allowed in JSON'
      : message.replace(/, ".*$|\s*in JSON at position \d+.*$/s, '');
    throw new ConfigError([`config file ${file}: ${where}not valid JSON (${reason})`]);
  }
}

function parseText(text: string, file: string): Record<string, unknown> {
  if (text.trim() === '') throw new ConfigError([`config file ${file}: the file is empty (expected settings, at least a sensors: list)`]);
  if (/\.json$/i.test(file)) checkJson(text, file);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return `config file ${file}: line ${line}, column ${col}: ${error.message}`;
      }),
    );
  }
  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    throw new ConfigError([`config file ${file}: ${(error as Error).message}`]);
  }
  if (data === null || data === undefined) throw new ConfigError([`config file ${file}: the file has no settings, only comments (expected at least a sensors: list)`]);
  if (!isRecord(data)) {
    throw new ConfigError([`config file ${file}: the top level is ${Array.isArray(data) ? 'a list' : shortJson(data)}, not a mapping of settings`]);
  }
  return dropNulls(data) as Record<string, unknown>;
}

type Validated = { config: Config; problems: []; warnings: string[] } | { problems: string[] };

/** The schema, then mqtt.profile's cloud limits over the resolved config (cloud-profile.ts). */
function validate(raw: unknown, context: ConfigContext): Validated {
  // jitless: zod compiles a fast path per object schema at its first parse (new Function); a config
  // is parsed once, and compiling cost more than it saved (~8 ms of the start, bench/start.ts).
  const result = configSchema(context).safeParse(raw, { error: errorMap, jitless: true });
  if (!result.success) return { problems: describeIssues(result.error.issues, raw) };
  const profiled = applyProfile(result.data, isRecord(raw) ? raw : {});
  return profiled.problems.length > 0 ? { problems: profiled.problems } : { config: profiled.config, problems: [], warnings: profiled.warnings };
}

/**
 * Validates already-parsed config data (what a file holds): the resolved Config, or a ConfigError
 * with every problem. `context.baseDir` anchors relative paths. For callers that build a config
 * in code (tests, embedding); the daemon uses loadConfig.
 */
export function parseConfig(raw: unknown, context: ConfigContext): Config {
  const result = validate(raw, context);
  if (!('config' in result)) throw new ConfigError(result.problems);
  return result.config;
}

/** Reads, overrides from `env`, validates and resolves the config file. Rejects with a ConfigError. */
export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Promise<Config> {
  return (await loadConfigWithWarnings(file, env, options)).config;
}

/** A config file's settings as written (YAML or JSON), not validated: what `sign-config` signs. */
export async function readConfigData(file: string): Promise<Record<string, unknown>> {
  const path = resolve(file);
  return parseText(await readConfigText(path), path);
}

/**
 * loadConfig, plus the lines for settings that are valid but probably a slip (warnings.ts), and
 * the source: the settings as written after the environment overrides, and the context they were
 * resolved in (a remote config is resolved in the same one: relative paths against this file's folder).
 */
export async function loadConfigWithWarnings(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  options: LoadOptions = {},
): Promise<{ config: Config; warnings: string[]; source: { raw: Record<string, unknown>; context: ConfigContext } }> {
  const path = resolve(file);
  const raw = parseText(await readConfigText(path), path);
  const envProblems = applyEnvOverrides(raw, env);
  const context: ConfigContext = { env, baseDir: dirname(path), hostname: options.hostname ?? hostname() };
  const result = validate(raw, context);
  const problems = [...envProblems, ...result.problems];
  if (problems.length > 0 || !('config' in result)) throw new ConfigError(problems, path);
  return { config: result.config, warnings: [...configWarnings(raw), ...result.warnings], source: { raw, context } };
}

/** A copy safe to print: mqtt.password, status.token and a password in mqtt.url shown as "***" when set. */
export function maskSecrets(config: Config): Config {
  const mask = (secret: string | undefined): string | undefined => (secret === undefined ? undefined : '***');
  return {
    ...config,
    mqtt: { ...config.mqtt, url: maskUrlCredentials(config.mqtt.url), password: mask(config.mqtt.password) },
    status: { ...config.status, token: mask(config.status.token) },
  };
}
