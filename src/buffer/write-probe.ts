// Can the store's folder take a write right now? Asked by creating (and removing) an empty file:
// access(W_OK) is not enough. After an I/O error ext4 may stop writes with its own "emergency
// read-only" flag (shown as `emergency_ro` in /proc/mounts since Linux 6.x) while access() still
// answers writable; only a write says EROFS.
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { classifyWriteError, type WriteFailure } from './disk-space.js';
import { PROBE_PREFIX } from './own-files.js';

export type ProbeResult = 'ok' | WriteFailure | 'denied';

export async function probeWrite(folder: string): Promise<ProbeResult> {
  const probe = join(folder, `${PROBE_PREFIX}${process.pid}`);
  try {
    const file = await open(probe, 'w');
    await file.close();
    await rm(probe, { force: true });
    return 'ok';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return 'denied';
    return classifyWriteError(error);
  }
}
