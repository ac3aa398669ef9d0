// The agent's own files in the store folder, beside LevelDB's (LevelDB ignores files it does not
// know): the reserve (space-guard.ts), the records of a store being emptied (store-reset.ts) and
// the write probe (write-probe.ts). A reset keeps them; the store's footprint leaves them out.

/** The reserve file: released when the disk is full so LevelDB can still open, delete and drain. */
export const RESERVE_FILE = 'sensor-agent.reserve';
/**
 * Released, the reserve keeps its first block: on a disk with 0 bytes free that block is where the
 * records of a store being emptied are written, since no new block can be had.
 */
export const RESERVE_STUB_BYTES = 4096;
/** The records of an emptied store, present only while a reset is not finished. */
export const EMPTIED_FILE = 'sensor-agent.emptied.json';
export const EMPTIED_TEMP = `${EMPTIED_FILE}.tmp`;
/** `probeWrite` creates and removes `${PROBE_PREFIX}<pid>`. */
export const PROBE_PREFIX = '.sensor-agent-probe-';

export function isOwnFile(name: string): boolean {
  return name === RESERVE_FILE || name === EMPTIED_FILE || name === EMPTIED_TEMP || name.startsWith(PROBE_PREFIX);
}
