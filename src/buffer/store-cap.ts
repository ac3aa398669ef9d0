// The byte cap the file system sets (issue 14, disk-space.ts): statfs of the store's file system,
// what LevelDB's files take there (measured at most every FOOTPRINT_EVERY_MS), and from them the
// effective cap, min(maxBytes, what store.keepFree leaves). The modes in which readings are refused
// (full, read-only) and the reserve file are space-guard.ts's.
import { readdir, stat, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { effectiveCap, type FsSpace, type KeepFree } from './disk-space.js';
import { isOwnFile } from './own-files.js';

const FOOTPRINT_EVERY_MS = 1000;

export interface CapSource {
  path: string;
  keepFree: KeepFree;
  /** The bytes the buffer's readings take now. */
  storedBytes: () => number;
  /** Bytes of deleted readings the store still holds on disk until its next compaction. */
  reclaimableBytes?: (() => number) | undefined;
}

export class StoreCap {
  /** The file system at the last look (null before the first). */
  space: FsSpace | null = null;
  private cap: { bytes: number; setBy: 'maxBytes' | 'keepFree'; keepFreeBytes: number } | null = null;
  private footprint: number | null = null;
  private footprintAt = 0;

  constructor(private readonly source: CapSource) {}

  /** statfs of the store's folder now. */
  async measure(): Promise<FsSpace> {
    this.space = await fsSpace(this.source.path);
    return this.space;
  }

  /** The cap from the last measure, the footprint and what the reserve still lacks. */
  async update(reserveMissingBytes: number): Promise<void> {
    if (this.space === null) return;
    if (Date.now() - this.footprintAt >= FOOTPRINT_EVERY_MS) {
      this.footprint = await storeFootprint(this.source.path);
      this.footprintAt = Date.now();
    }
    this.cap = effectiveCap({
      maxBytes: Number.POSITIVE_INFINITY,
      storedBytes: this.source.storedBytes(),
      ...(this.footprint !== null ? { footprintBytes: this.footprint } : {}),
      space: this.space,
      keepFree: this.source.keepFree,
      reserveMissingBytes,
      reclaimableBytes: this.source.reclaimableBytes?.() ?? 0,
    });
  }

  /** True while the file system (keepFree), not maxBytes, sets the cap. */
  limitedByDisk(maxBytes: number): boolean {
    return this.cap !== null && this.cap.bytes < maxBytes;
  }

  /** The cap in bytes; maxBytes until statfs answered. */
  bytes(maxBytes: number): number {
    return this.cap === null ? maxBytes : Math.min(maxBytes, this.cap.bytes);
  }

  get keepFreeBytes(): number | null {
    return this.cap?.keepFreeBytes ?? null;
  }
}

export const fsSpace = async (path: string): Promise<FsSpace> => {
  const fs = await statfs(path);
  return { availBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize };
};

/** What LevelDB's files in the store folder take (the agent's own files left out); null when unreadable. */
async function storeFootprint(path: string): Promise<number | null> {
  try {
    let total = 0;
    for (const name of await readdir(path)) {
      if (isOwnFile(name)) continue;
      total += (await stat(join(path, name)).catch(() => null))?.size ?? 0;
    }
    return total;
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The store folder, or the nearest folder above it that exists (a first start creates it). */
export async function nearestFolder(path: string): Promise<string> {
  let folder = path;
  while (!(await exists(folder))) {
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  return folder;
}
