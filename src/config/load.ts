// Loading a config: read the file (YAML, or JSON which YAML also reads), apply SENSOR_AGENT_*
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

export interface LoadOptions {
  /** The host name the default device id comes from; os.hostname() when absent. */
  hostname?: string;
}

async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : `cannot be read (${code ?? String(error)})`;
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

function parseText(text: string, file: string): Record<string, unknown> {
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
  if (data === null || data === undefined) return {};
  if (!isRecord(data)) {
    throw new ConfigError([`config file ${file}: the top level is ${Array.isArray(data) ? 'a list' : shortJson(data)}, not a mapping of settings`]);
  }
  return dropNulls(data) as Record<string, unknown>;
}

function validate(raw: unknown, context: ConfigContext): { config: Config; problems: [] } | { problems: string[] } {
  const result = configSchema(context).safeParse(raw, { error: errorMap });
  return result.success ? { config: result.data, problems: [] } : { problems: describeIssues(result.error.issues, raw) };
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
  const path = resolve(file);
  const raw = parseText(await readConfigText(path), path);
  const envProblems = applyEnvOverrides(raw, env);
  const result = validate(raw, { env, baseDir: dirname(path), hostname: options.hostname ?? hostname() });
  const problems = [...envProblems, ...result.problems];
  if (problems.length > 0 || !('config' in result)) throw new ConfigError(problems, path);
  return result.config;
}

/** A copy safe to print: mqtt.password and status.token shown as "***" when set. */
export function maskSecrets(config: Config): Config {
  const mask = (secret: string | undefined): string | undefined => (secret === undefined ? undefined : '***');
  return {
    ...config,
    mqtt: { ...config.mqtt, password: mask(config.mqtt.password) },
    status: { ...config.status, token: mask(config.status.token) },
  };
}
