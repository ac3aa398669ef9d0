// What the agent told Home Assistant, kept in the state directory next to the buffer
// (`homeassistant-announced.json`): discovery topic → component key → platform. On start the
// agent compares it with what the config announces now and sends HA's removal form for exactly
// the components that are gone, so no ghost entity stays after a sensor or value left the config.
// The file is replaced atomically (write, then rename): a crash leaves the old or the new set.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export type Announced = Map<string, Record<string, string>>;

export function announcedPath(storePath: string): string {
  return join(dirname(storePath), 'homeassistant-announced.json');
}

function isRecordOfStrings(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string');
}

/** The announced set, empty when the file is missing; a damaged file counts as empty (and says so). */
export async function loadAnnounced(path: string, warn: (message: string) => void): Promise<Announced> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return new Map();
  }
  try {
    const parsed = JSON.parse(text) as { topics?: unknown };
    const topics = parsed.topics;
    if (typeof topics !== 'object' || topics === null) throw new Error('no topics');
    return new Map(Object.entries(topics).filter((entry): entry is [string, Record<string, string>] => isRecordOfStrings(entry[1])));
  } catch (error) {
    warn(`HA_ANNOUNCED_UNREADABLE: ${path} is not the announced set (${(error as Error).message}); components removed from the config while it was damaged may stay in Home Assistant until deleted there`);
    return new Map();
  }
}

export async function saveAnnounced(path: string, announced: Announced): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  await writeFile(partial, JSON.stringify({ topics: Object.fromEntries(announced) }, null, 1) + '\n');
  await rename(partial, path);
}

/** Topic → the components of `before` that `now` no longer announces on that topic. */
export function removedSince(before: Announced, now: Announced): Announced {
  const removed: Announced = new Map();
  for (const [topic, components] of before) {
    const current = now.get(topic) ?? {};
    const gone = Object.fromEntries(Object.entries(components).filter(([key]) => !(key in current)));
    if (Object.keys(gone).length > 0) removed.set(topic, gone);
  }
  return removed;
}
