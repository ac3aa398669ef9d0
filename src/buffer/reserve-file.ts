// The agent's own reserve file in the store folder (RESERVE_FILE, own-files.ts): space written
// while there is room and given back when the disk is full, so LevelDB can still open, write its
// deletes and compact. Released, it keeps its first block (RESERVE_STUB_BYTES), where an emptied
// store's records may sit (store-reset.ts). When to write or release it is space-guard.ts's.
import { open, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RESERVE_FILE, RESERVE_STUB_BYTES } from './own-files.js';

export class ReserveFile {
  /** True while the reserve is on disk (more than its stub). */
  held = false;
  /** Its size on disk (smaller than wanted after a recovery on a crowded disk). */
  heldBytes = 0;
  private readonly path: string;

  constructor(folder: string, private readonly log?: Logger | undefined) {
    this.path = join(folder, RESERVE_FILE);
  }

  /** Whether a reserve of more than its stub is on disk now (read, not remembered). */
  async onDisk(): Promise<number | null> {
    const size = (await stat(this.path).catch(() => null))?.size ?? 0;
    return size > RESERVE_STUB_BYTES ? size : null;
  }

  /** Takes what is on disk as held (at start); on a disk already full, none is counted as held. */
  async adopt(diskFull: boolean): Promise<void> {
    const size = diskFull ? null : await this.onDisk();
    this.held = size !== null;
    this.heldBytes = size ?? 0;
  }

  /** Written, not truncated: a sparse file would reserve nothing. A failure leaves no reserve (debug log). */
  async write(bytes: number): Promise<void> {
    let file;
    try {
      file = await open(this.path, 'w');
      await file.write(Buffer.alloc(bytes));
      await file.close();
      this.held = true;
      this.heldBytes = bytes;
    } catch (error) {
      await file?.close().catch(() => undefined);
      await rm(this.path, { force: true }).catch(() => undefined);
      this.log?.debug({ err: error }, 'cannot write the reserve file yet');
    }
  }

  /** Gives the reserve's space back but its first block. */
  async release(): Promise<void> {
    this.held = false;
    await truncate(this.path, RESERVE_STUB_BYTES);
  }
}
