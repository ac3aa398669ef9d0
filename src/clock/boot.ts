// This boot's identity and its monotonic clock: what a clock mark is made of. process.hrtime is
// CLOCK_MONOTONIC on Linux (libuv's uv_hrtime), counted from boot, so it is the same clock for
// every process of a boot: a restarted agent can still correct the readings its predecessor took.
import { readFileSync } from 'node:fs';

export const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';
/** Enough of the boot id's 122 random bits to tell boots apart, at 12 bytes per marked reading. */
const BOOT_ID_CHARS = 12;

export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

/** The boot id's first 12 hex digits; `unknown` where the kernel does not tell (not Linux). */
export function readBootId(path = BOOT_ID_PATH): string {
  try {
    const id = readFileSync(path, 'utf8').trim().replaceAll('-', '').slice(0, BOOT_ID_CHARS);
    return id === '' ? 'unknown' : id;
  } catch {
    return 'unknown';
  }
}
