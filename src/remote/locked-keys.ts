// Which parts of a remote config the local file keeps to itself. `remote.locked` names keys (a key
// covers everything under it); `remote` and `store` are locked always: a remote config that could
// turn remote configuration off, swap the signing key or drop the lock list could never be undone
// from the broker, and `store` is the buffer, which a config change never reopens or moves (it
// also holds the state directory this override lives in).
//
// A locked key the remote config leaves out is taken from the local file (a fleet-wide config
// need not carry each device's credentials); one it sets to something else is refused. Values are
// compared as written (after the same SENSOR_AGENT_* overrides), so a refusal never needs the
// config to be valid first, and no secret is echoed in the reason.
import { isDeepStrictEqual } from 'node:util';

export const ALWAYS_LOCKED = ['remote', 'store'] as const;

type Raw = Record<string, unknown>;

const isRecord = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

function valueAt(raw: unknown, path: readonly string[]): unknown {
  let current: unknown = raw;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

function setAt(raw: Raw, path: readonly string[], value: unknown): void {
  let current: Raw = raw;
  for (const key of path.slice(0, -1)) {
    const next = current[key];
    if (!isRecord(next)) {
      if (value === undefined) return;
      current[key] = {};
    }
    current = current[key] as Raw;
  }
  const last = path.at(-1);
  if (last === undefined) return;
  if (value === undefined) delete current[last];
  else current[last] = structuredClone(value);
}

export function lockedKeys(locked: readonly string[]): string[] {
  return [...new Set([...ALWAYS_LOCKED, ...locked])];
}

/** One line per locked key the remote config sets to something other than the local file has. */
export function lockedChanges(local: Raw, remote: Raw, locked: readonly string[]): string[] {
  const problems: string[] = [];
  for (const key of lockedKeys(locked)) {
    const path = key.split('.');
    const wanted = valueAt(remote, path);
    if (wanted === undefined || isDeepStrictEqual(wanted, valueAt(local, path))) continue;
    const why = (ALWAYS_LOCKED as readonly string[]).includes(key) ? 'can never be changed remotely' : 'is locked by remote.locked in the local config';
    problems.push(`${key}: ${why} (leave it out, or set it as the local file has it)`);
  }
  return problems;
}

/** The remote config with every locked key as the local file has it (absent there: absent here). */
export function withLockedFromLocal(local: Raw, remote: Raw, locked: readonly string[]): Raw {
  const merged = structuredClone(remote);
  for (const key of lockedKeys(locked)) {
    const path = key.split('.');
    setAt(merged, path, valueAt(local, path));
  }
  return merged;
}
