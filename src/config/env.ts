// Environment overrides for single keys: SENSOR_AGENT_MQTT__URL sets mqtt.url. Segments are
// separated by `__` and matched to schema keys ignoring case and '_' (MQTT__CLIENT_ID and
// MQTT__CLIENTID both mean mqtt.clientId); list entries go by index (SENSORS__0__INTERVAL).
// Values are YAML scalars ("1" → 1, "true" → true), except for keys that only take strings, so a
// password "0123" stays "0123". SENSOR_AGENT_CONFIG is the CLI's config path and
// SENSOR_AGENT_CODE_CACHE the launcher's code cache folder (src/launcher/main.ts), not overrides.
import { parse } from 'yaml';
import { childNode, formatPath, keysOf, rootNode, type SchemaNode } from './keys.js';
import { closestKey, sameKey } from './suggest.js';

const PREFIX = 'SENSOR_AGENT_';
const NOT_OVERRIDES = new Set(['SENSOR_AGENT_CONFIG', 'SENSOR_AGENT_CODE_CACHE']);

function onlyTakesStrings(node: SchemaNode | undefined): boolean {
  return node?.type === 'string' || (Array.isArray(node?.type) && node.type.every((type) => type === 'string'));
}

function parseValue(text: string, node: SchemaNode | undefined): unknown {
  if (onlyTakesStrings(node)) return text;
  try {
    return parse(text) ?? text;
  } catch {
    return text; // not valid YAML: the schema reports it as a bad value of its key
  }
}

type Resolved = { path: (string | number)[]; leaf: SchemaNode | undefined } | { problem: string };

/** The schema key path an override name means, checked against the schema before anything is set. */
function resolveName(raw: Record<string, unknown>, name: string): Resolved {
  let node: SchemaNode | undefined = rootNode();
  let value: unknown = raw;
  const path: (string | number)[] = [];
  for (const segment of name.slice(PREFIX.length).split('__')) {
    let key: string | number;
    if (node?.type === 'array') {
      if (!/^\d+$/.test(segment)) return { problem: `${formatPath(path)} is a list: expected an index, not "${segment}"` };
      key = Number(segment);
      const length = Array.isArray(value) ? value.length : 0;
      if (key > length) {
        return { problem: `${formatPath([...path, key])} does not exist (the list has ${length} entries; add them in order)` };
      }
    } else {
      const valid = keysOf(node, value);
      const match = valid.find((candidate) => sameKey(candidate, segment));
      if (match === undefined) {
        const suggestion = closestKey(segment, valid);
        const hint = suggestion === undefined ? '' : ` (did you mean ${formatPath([...path, suggestion])}?)`;
        return { problem: `unknown key ${formatPath([...path, segment.toLowerCase()])}${hint}` };
      }
      key = match;
    }
    node = childNode(node, key, value);
    value = typeof value === 'object' && value !== null ? (value as Record<string | number, unknown>)[key] : undefined;
    path.push(key);
  }
  return { path, leaf: node };
}

/** Sets `value` at `path`, creating the mappings and lists on the way; the problem when the file has a scalar there. */
function setAt(raw: Record<string, unknown>, path: readonly (string | number)[], value: unknown): string | undefined {
  let container: Record<string | number, unknown> = raw;
  for (const [position, key] of path.entries()) {
    if (position === path.length - 1) {
      container[key] = value;
      break;
    }
    container[key] ??= typeof path[position + 1] === 'number' ? [] : {};
    const next = container[key];
    if (typeof next !== 'object' || next === null) {
      return `${formatPath(path.slice(0, position + 1))} is ${JSON.stringify(next)} in the config file, so it has no keys to set`;
    }
    container = next as Record<string | number, unknown>;
  }
  return undefined;
}

function applyOne(raw: Record<string, unknown>, name: string, text: string): string | undefined {
  const resolved = resolveName(raw, name);
  const problem = 'problem' in resolved ? resolved.problem : setAt(raw, resolved.path, parseValue(text, resolved.leaf));
  return problem === undefined ? undefined : `${name}: ${problem}`;
}

/** Applies every SENSOR_AGENT_* override to `raw` in place; returns one problem per unusable name. */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): string[] {
  const names = Object.keys(env)
    .filter((name) => name.startsWith(PREFIX) && !NOT_OVERRIDES.has(name))
    // A sensor's driver decides which option keys it has, so drivers are set first.
    .sort((a, b) => Number(!a.endsWith('__DRIVER')) - Number(!b.endsWith('__DRIVER')) || a.localeCompare(b));
  const problems: string[] = [];
  for (const name of names) {
    const text = env[name];
    if (text === undefined) continue;
    const problem = applyOne(raw, name, text);
    if (problem !== undefined) problems.push(problem);
  }
  return problems;
}

