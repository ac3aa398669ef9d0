// Epochs: what keeps (device, epoch, seq) unique after a power cut. While the link is up and
// everything is acked the buffer never syncs, so a power cut can take back seqs that were already
// published: the store comes back with lastSeq = the last synced seq and hands the lost seqs out
// again. Those are a new epoch. A new epoch begins when the store is opened after a run that did
// not stop cleanly AND the machine rebooted since (a process crash keeps the page cache: nothing
// is lost, no new epoch). Seqs are never skipped to avoid this: the store stays gap-free.
//
// The lifecycle record (one LevelDB key, written synced at open and at a clean stop by
// lifecycle.ts, never on the publish path) holds the current epoch, the boot id of the run that
// opened the store, whether it stopped cleanly, and the epoch of each range of stored seqs, so
// readings left in the store keep the epoch they were accepted in, without a byte added to any
// reading.
import { readFile } from 'node:fs/promises';

/** Where Linux says which boot this is: a new random UUID at every boot. */
export const LINUX_BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

/** Readings with seq >= firstSeq (up to the next range) were accepted in `epoch`. */
export type EpochRange = [firstSeq: number, epoch: number];

export interface Lifecycle {
  /** The epoch new readings are accepted in: 0 until a power cut may have lost published readings. */
  epoch: number;
  /** Ascending by firstSeq; seqs below the first range are epoch 0. Empty while epoch is 0. */
  ranges: EpochRange[];
  /** Boot id of the run that last opened the store, or null when it could not be read. */
  bootId: string | null;
  /** True once that run stopped cleanly (everything synced before the mark). */
  clean: boolean;
}

/** A store without the record (new, or written by a version without epochs): epoch 0, taken as clean. */
export const NO_LIFECYCLE: Lifecycle = { epoch: 0, ranges: [], bootId: null, clean: true };

export function encodeLifecycle(record: Lifecycle): string {
  return JSON.stringify({ epoch: record.epoch, ranges: record.ranges, boot: record.bootId, clean: record.clean });
}

/** Parses the record; throws when it is damaged (the store is then treated as corrupt, like a damaged meta). */
export function decodeLifecycle(value: string): Lifecycle {
  const parsed = JSON.parse(value) as { epoch?: unknown; ranges?: unknown; boot?: unknown; clean?: unknown } | null;
  if (parsed === null || typeof parsed !== 'object') throw new Error('lifecycle record is not an object');
  const { epoch, ranges, boot, clean } = parsed;
  if (!isCount(epoch)) throw new Error(`lifecycle epoch is ${JSON.stringify(epoch)}`);
  if (!Array.isArray(ranges) || !ranges.every((range) => Array.isArray(range) && range.length === 2 && isCount(range[0]) && isCount(range[1]))) {
    throw new Error(`lifecycle ranges are ${JSON.stringify(ranges)}`);
  }
  if (boot !== null && typeof boot !== 'string') throw new Error(`lifecycle boot is ${JSON.stringify(boot)}`);
  if (typeof clean !== 'boolean') throw new Error(`lifecycle clean is ${JSON.stringify(clean)}`);
  return { epoch, ranges: ranges as EpochRange[], bootId: boot, clean };
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/**
 * The record for the fresh store that replaces one moved aside as corrupt. Its seqs start again at
 * 1 and the lost store's epochs are unknown, so its first epoch must differ from all of them: the
 * wall clock in seconds, far above any epoch counted up by power cuts (and above an earlier such
 * recovery while the clock moves forward). It is marked unclean with an unknown boot so that
 * openLifecycle begins exactly that epoch.
 */
export function afterLostStore(nowMs: number): Lifecycle {
  return { epoch: Math.floor(nowMs / 1000) - 1, ranges: [], bootId: null, clean: false };
}

/** The boot id, or null when it cannot be read (not Linux, no /proc): then every unclean stop counts as a power cut. */
export async function readBootId(path: string): Promise<string | null> {
  try {
    const id = (await readFile(path, 'utf8')).trim();
    return id === '' ? null : id;
  } catch {
    return null;
  }
}

export interface Opening {
  /** The record to write (synced) before the store is used: this run's boot id, not clean. */
  record: Lifecycle;
  /** True when this open begins a new epoch. */
  newEpoch: boolean;
}

/**
 * Decides the epoch of this run. `lastSeq` is the highest seq the store recovered (new readings
 * get lastSeq + 1 on), `firstLiveSeq` the lowest one it still holds (ranges below it are pruned).
 */
export function openLifecycle(previous: Lifecycle, bootId: string | null, lastSeq: number, firstLiveSeq: number): Opening {
  const sameBoot = bootId !== null && previous.bootId === bootId;
  const newEpoch = !previous.clean && !sameBoot;
  const epoch = newEpoch ? previous.epoch + 1 : previous.epoch;
  let ranges = pruneRanges(previous.ranges, firstLiveSeq);
  if (newEpoch) ranges = [...ranges.filter(([firstSeq]) => firstSeq <= lastSeq), [lastSeq + 1, epoch]];
  return { record: { epoch, ranges, bootId, clean: false }, newEpoch };
}

/** Drops ranges whose readings are all gone (below the lowest stored seq); the current one stays. */
export function pruneRanges(ranges: readonly EpochRange[], firstLiveSeq: number): EpochRange[] {
  let from = 0;
  while (from < ranges.length - 1 && ranges[from + 1]![0] <= firstLiveSeq) from++;
  return ranges.slice(from);
}

/** The epoch a seq was accepted in. */
export function epochOf(ranges: readonly EpochRange[], seq: number): number {
  for (let i = ranges.length - 1; i >= 0; i--) {
    const [firstSeq, epoch] = ranges[i]!;
    if (seq >= firstSeq) return epoch;
  }
  return 0;
}
