// `doctor`: the store's file system (issue 14). One clear line for a read-only file system, how much
// the buffer may take there (the smaller of store.maxBytes and what store.keepFree leaves), and a
// warning when the disk is (almost) full.
import { statfs } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import { DEFAULT_RESERVE_BYTES, effectiveCap, keepFreeBytes, nearestFolder, probeWrite, readOnlyLine } from '../buffer/index.js';
import type { CheckResult } from './doctor-result.js';

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export async function checkStoreSpace(config: Config): Promise<CheckResult[]> {
  const folder = await nearestFolder(config.store.path);
  // A real write: ext4's emergency read-only state passes access(W_OK) (write-probe.ts).
  if ((await probeWrite(folder)) === 'read-only') {
    return [{ verdict: 'fail', what: `${readOnlyLine(config.store.path)} (${folder})`, fix: 'after I/O errors ext4 stops all writes to protect the card: check it (fsck) and reboot; under systemd add the store folder to ReadWritePaths= (or use StateDirectory=)' }];
  }
  let fs;
  try {
    fs = await statfs(folder);
  } catch (error) {
    return [{ verdict: 'warn', what: `cannot read the free space under ${folder}: ${(error as Error).message}` }];
  }
  const space = { availBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize };
  const keep = keepFreeBytes(config.store.keepFree, space.totalBytes);
  const cap = effectiveCap({ maxBytes: config.store.maxBytes, storedBytes: 0, space, keepFree: config.store.keepFree, reserveMissingBytes: 0 });
  const what = `store file system: ${mb(space.availBytes)} free, keepFree ${mb(keep)}; the buffer may grow by ${mb(cap.bytes)} more (set by ${cap.setBy === 'maxBytes' ? 'store.maxBytes' : 'store.keepFree'})`;
  if (space.availBytes < DEFAULT_RESERVE_BYTES) {
    return [{ verdict: 'fail', what: `disk full under ${folder}: ${mb(space.availBytes)} free`, fix: 'free space (journalctl --vacuum-size=, apt clean); the agent drains what it holds but stores nothing new until there is room' }];
  }
  if (cap.setBy === 'keepFree') return [{ verdict: 'warn', what, fix: 'the disk has less room than store.maxBytes: the overflow policy applies earlier (free space, or lower store.maxBytes to say so)' }];
  return [{ verdict: 'ok', what }];
}
