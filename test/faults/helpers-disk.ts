// Small file systems for the disk-limit scenarios (issue 14): a tmpfs of a given size, or a
// loop-mounted ext4 image with errors=remount-ro (the way an SD card turns read-only after I/O
// errors), a filler that takes every free byte, and statfs in bytes. The tests run as root.
import { spawnSync } from 'node:child_process';
import { open, statfs } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { realpathSync } from 'node:fs';

export interface Mounted {
  dir: string;
  kind: string;
  /** The loop device (ext4 only). */
  device?: string;
  unmount(): void;
}

const run = (command: string, args: string[]) => spawnSync(command, args, { encoding: 'utf8' });

export function mountTmpfs(dir: string, sizeMb: number): Mounted | { skipped: string } {
  const result = run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir]);
  if (result.status !== 0) return { skipped: `cannot mount a tmpfs (root needed): ${result.stderr.trim() || result.error?.message}` };
  return { dir, kind: `tmpfs ${sizeMb} MB`, unmount: () => void run('umount', ['-l', dir]) };
}

/** ext4 on a loop device, errors=remount-ro as Raspberry Pi OS mounts its root file system. */
export function mountExt4(dir: string, imageDir: string, sizeMb: number): Mounted | { skipped: string } {
  const image = join(imageDir, 'disk.img');
  const steps: Array<[string, string[]]> = [
    ['truncate', ['-s', `${sizeMb}M`, image]],
    ['mkfs.ext4', ['-q', '-F', '-m', '0', image]],
    ['mount', ['-o', 'loop,errors=remount-ro', image, dir]],
  ];
  for (const [command, args] of steps) {
    const result = run(command, args);
    if (result.status !== 0) return { skipped: `cannot mount a loop ext4 (${command}: ${result.stderr.trim() || result.error?.message})` };
  }
  const device = run('findmnt', ['-no', 'SOURCE', dir]).stdout.trim();
  return {
    dir,
    kind: `loop ext4 ${sizeMb} MB (errors=remount-ro)`,
    device,
    unmount: () => {
      run('umount', ['-l', dir]);
      if (device.startsWith('/dev/loop')) run('losetup', ['-d', device]);
    },
  };
}

/**
 * What ext4 does after an I/O error on the card: the kernel remounts the file system read-only
 * under the running agent (`mount -o remount,ro` refuses while LevelDB holds files open for
 * writing, so the test uses ext4's own error path: /sys/fs/ext4/<dev>/trigger_fs_error).
 */
export function triggerExt4Error(mounted: Mounted): string | null {
  if (mounted.device === undefined) return 'not an ext4 mount';
  const name = basename(realpathSync(mounted.device));
  const result = run('sh', ['-c', `echo sensor-agent-test > /sys/fs/ext4/${name}/trigger_fs_error`]);
  return result.status === 0 ? null : `trigger_fs_error failed: ${result.stderr.trim()}`;
}

export async function freeBytes(dir: string): Promise<number> {
  const fs = await statfs(dir);
  return fs.bavail * fs.bsize;
}

/** Writes `path` until the file system has `leaveBytes` free (0: until ENOSPC); returns its size. */
export async function fillUp(path: string, dir: string, leaveBytes = 0): Promise<number> {
  const file = await open(path, 'a');
  let written = 0;
  try {
    for (const chunk of [1 << 20, 64 << 10, 4096, 512]) {
      const buffer = Buffer.alloc(chunk, 0x5a);
      for (;;) {
        if ((await freeBytes(dir)) - chunk < leaveBytes) break;
        try {
          await file.write(buffer);
          written += chunk;
        } catch {
          break; // ENOSPC: try a smaller chunk
        }
      }
    }
    await file.sync().catch(() => undefined);
  } finally {
    await file.close();
  }
  return written;
}
