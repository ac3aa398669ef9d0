// The lifecycle record's two writes (epochs.ts decides what goes in it): at start, mark the store
// as in use by this boot, beginning a new epoch when the last run may have lost published readings
// to a power cut; at a clean stop, mark it clean. Both synced; neither is on the publish path.
import type { Logger } from 'pino';
import { LIFECYCLE_KEY } from './codec.js';
import { encodeLifecycle, openLifecycle, readBootId, type Lifecycle } from './epochs.js';
import type { ReadingDb } from './store.js';

/**
 * Synced before any reading can be published: a power cut must not leave an earlier clean mark
 * behind. Returns this run's record.
 */
export async function beginRun(db: ReadingDb, previous: Lifecycle, recovered: { lastSeq: number; firstLiveSeq: number }, bootIdPath: string, log?: Logger): Promise<Lifecycle> {
  const bootId = await readBootId(bootIdPath);
  const { record, newEpoch } = openLifecycle(previous, bootId, recovered.lastSeq, recovered.firstLiveSeq);
  if (newEpoch) {
    log?.warn(
      { recoveredLastSeq: recovered.lastSeq, previousBootId: previous.bootId, bootId, epoch: record.epoch },
      `buffer: readings published by an earlier run may be lost (it did not stop cleanly and the machine has rebooted since, a power cut?, or its store was moved aside as corrupt), so seqs from ${recovered.lastSeq + 1} on may be handed out again: they are in epoch ${record.epoch}; consumers must de-duplicate on (device, epoch, seq)`,
    );
  }
  try {
    await db.put(LIFECYCLE_KEY, encodeLifecycle(record), { sync: true });
  } catch (error) {
    // A full disk: the agent still runs (an overflow, not a crash). A failed write leaves
    // LevelDB's log out of step with its file, so start a fresh one, as BatchWriter does.
    log?.error({ err: error }, 'buffer: cannot mark the store as in use; a power cut before the next start may go unnoticed');
    await db.close();
    await db.open();
  }
  return record;
}

/** Synced after everything else: the next start, even after a reboot, knows nothing was lost. */
export async function markCleanStop(db: ReadingDb, record: Lifecycle, log?: Logger): Promise<void> {
  try {
    await db.put(LIFECYCLE_KEY, encodeLifecycle({ ...record, clean: true }), { sync: true });
  } catch (error) {
    log?.warn({ err: error }, 'buffer: cannot mark a clean stop; the next start after a reboot begins a new epoch');
  }
}
