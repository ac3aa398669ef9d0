// The remote config's record in the state directory (the folder the buffer lives in):
// `remote-config.json` holds the override that is good (healthy once; used at start), the one
// being applied (pending until healthy: a start that finds it was never marked good rolls it
// back), and the highest version ever applied (a replayed older config is refused). One file, so
// every transition is one atomic replace: temp file, fsync, rename, fsync of the folder.
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const OVERRIDE_FILE = 'remote-config.json';

/** One remote config as received (the raw config, before the local file's locked keys are laid over it). */
export interface OverrideEntry {
  id: string;
  version?: number;
  /** ISO time it was applied. */
  appliedAt: string;
  config: Record<string, unknown>;
}

export interface OverrideState {
  /** In effect when pending is null; null: the local file is. */
  good: OverrideEntry | null;
  /** Applied and not yet healthy. */
  pending: OverrideEntry | null;
  /** The highest version applied so far (0: none). */
  lastVersion: number;
}

export const EMPTY_STATE: OverrideState = { good: null, pending: null, lastVersion: 0 };

/** The state directory: the folder holding the buffer's folder (store.path). */
export function stateDirOf(storePath: string): string {
  return dirname(storePath);
}

export function overridePath(storePath: string): string {
  return join(stateDirOf(storePath), OVERRIDE_FILE);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function entryOf(value: unknown): OverrideEntry | null {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.appliedAt !== 'string' || !isRecord(value.config)) return null;
  const entry: OverrideEntry = { id: value.id, appliedAt: value.appliedAt, config: value.config };
  if (typeof value.version === 'number') entry.version = value.version;
  return entry;
}

/** The record, EMPTY_STATE when there is none; a damaged one throws (the caller says so and uses the local file). */
export async function readOverride(path: string): Promise<OverrideState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_STATE;
    throw error;
  }
  const data: unknown = JSON.parse(text);
  if (!isRecord(data)) throw new Error(`${path} is not a remote config record`);
  return {
    good: entryOf(data.good),
    pending: entryOf(data.pending),
    lastVersion: typeof data.lastVersion === 'number' && Number.isFinite(data.lastVersion) ? data.lastVersion : 0,
  };
}

/** Replaces the record atomically: a crash leaves the old one or the new one, never a torn one. */
export async function writeOverride(path: string, state: OverrideState): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  const temp = `${path}.partial`;
  const file = await open(temp, 'w');
  try {
    await file.writeFile(`${JSON.stringify(state, null, 1)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  const dir = await open(folder, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
