// Boots the pinned Debian kernel under qemu (TCG, no KVM) with the kernel's own simulated hardware
// and runs a shell script inside, chrooted into the host's root (read-only over 9p), so the guest
// runs the host's Node and this checkout as they are.
//
// API (for the tests in test/hil/):
//   hilSkipReason(): string | null      why the tier cannot run here (no qemu, no busybox-static,
//                                       not root), or null. Use with describe.skipIf and print it.
//   prepareHil(): HilAssets             fetch/build the cached kernel, gpio-sim.ko, initramfs
//                                       (scripts/hil/prepare.sh; the global setup calls it once).
//   startGuest(options): Guest          boots; options.script is a POSIX sh script run as root in
//                                       the guest with cwd = the checkout (REPO_ROOT), after
//                                       scripts/hil/guest-lib.sh is sourced (hil_gpio_chip,
//                                       hil_gpio_sim_dir, hil_i2c_stub, hil_mount_store; `modprobe`
//                                       already uses the pinned module tree). options.files are
//                                       written into the results folder first: the guest sees it
//                                       as /tmp/hil (read-write, $HIL_RESULTS); the host as
//                                       guest.resultsDir. options.disk attaches a raw image as
//                                       /dev/vda (virtio-blk); options.forwards maps host loopback
//                                       ports to guest ports (hostfwd); the guest reaches the
//                                       host's loopback as 10.0.2.2.
//     guest.lines / guest.waitForLine(re, timeoutMs)   the serial console (script stdout+stderr)
//     options.hold + guest.release()    boot now, run the script later (after `hil-held`)
//     guest.powerCut()                  SIGKILL of qemu: the guest's page cache dies, what it
//                                       flushed to the disk survives
//     guest.done: Promise<GuestResult>  { exitCode (of the script; null if cut or crashed),
//                                       console, bootMs (qemu start → init ready), totalMs }
//   runGuest(options): GuestResult      startGuest + await done; throws on timeout.
//   makeExt4Image(path, sizeMb, {allocated}) a fresh raw ext4 image (mkfs.ext4 on the host); sparse
//                                       unless allocated (for a guest that fills it).
//   stopAllGuests()                     SIGKILLs every guest still running (afterAll).
// Every results folder is removed by guest.cleanup() (runGuest keeps it until you call it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/child-agent.js';

export { REPO_ROOT };
export const HIL_SCRIPTS = join(REPO_ROOT, 'scripts/hil');

export interface HilAssets {
  kernel: string;
  initramfs: string;
  modroot: string;
  abi: string;
  cache: string;
}

export interface GuestOptions {
  /** POSIX sh, run as root inside the guest with cwd = REPO_ROOT. */
  script: string;
  /** Extra files written into the results folder before boot (guest path /tmp/hil/<name>). */
  files?: Record<string, string>;
  /** A raw disk image attached as /dev/vda (virtio-blk, host cache writeback). */
  disk?: string;
  /**
   * Boot, print `hil-held`, and wait for guest.release() before running the script: lets a test
   * boot the next guest on the same disk while the current one still runs (the held guest has not
   * read the disk; qemu's image lock is off for this). Only the released guest may touch the disk.
   */
  hold?: boolean;
  /** hostfwd: 127.0.0.1:hostPort on the host → guestPort in the guest. */
  forwards?: Array<{ hostPort: number; guestPort: number }>;
  /** Whole run, qemu start to power-off (default 120 s). */
  timeoutMs?: number;
  memoryMb?: number;
  cpus?: number;
  /** qemu `-rtc base=`: the guest's real-time clock, hence its system clock at boot (e.g. `2020-06-01T12:00:00`). */
  rtcBase?: string;
  /** Every console line as it arrives (e.g. to print progress). */
  onLine?: (line: string) => void;
}

export interface GuestResult {
  /** The script's exit code; null when the guest was cut or died before the script ended. */
  exitCode: number | null;
  console: string;
  /** qemu start to `hil-init: ready` (kernel + initramfs + 9p root mounted), ms. */
  bootMs: number | null;
  totalMs: number;
  powerCut: boolean;
  timedOut: boolean;
}

export interface Guest {
  resultsDir: string;
  lines: string[];
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  powerCut(): Promise<void>;
  /** Lets a guest started with `hold` run its script. */
  release(): Promise<void>;
  done: Promise<GuestResult>;
  cleanup(): Promise<void>;
}

const running = new Set<ChildProcess>();

export function qemuBinary(): string | null {
  const probe = spawnSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

export function hilSkipReason(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `needs linux/x64 (this is ${process.platform}/${process.arch})`;
  if (!qemuBinary()) return 'qemu-system-x86_64 is not installed (apt-get install qemu-system-x86; .ci/run does)';
  const busybox = spawnSync('sh', ['-c', 'file -L "$(command -v busybox)"'], { encoding: 'utf8' });
  if (!/statically linked/.test(busybox.stdout)) return 'busybox-static is not installed (apt-get install busybox-static; .ci/run does)';
  if (process.getuid?.() !== 0) return 'not root: the guest reads the whole host root over 9p and the kernel cache lives in /var/cache';
  return null;
}

let assets: HilAssets | null = null;

export function prepareHil(): HilAssets {
  if (assets) return assets;
  const result = spawnSync(join(HIL_SCRIPTS, 'prepare.sh'), { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (result.status !== 0) throw new Error(`scripts/hil/prepare.sh failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  const last = result.stdout.trim().split('\n').pop() ?? '';
  assets = JSON.parse(last) as HilAssets;
  return assets;
}

export async function makeExt4Image(path: string, sizeMb: number, options: { allocated?: boolean } = {}): Promise<void> {
  await rm(path, { force: true });
  // allocated: every block taken up front (and mkfs told not to punch them out again), for a guest
  // that fills its disk: it must not need the host's free space, which a CI machine may not have.
  const make = options.allocated ? `fallocate -l ${sizeMb}M "$1" && mkfs.ext4 -q -F -E nodiscard "$1"` : `truncate -s ${sizeMb}M "$1" && mkfs.ext4 -q -F "$1"`;
  const made = spawnSync('sh', ['-c', make, 'sh', path], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mkfs.ext4 failed: ${made.stderr}`);
}

function runScript(hil: HilAssets): string {
  return [
    'set -u',
    `export HIL_RESULTS=/tmp/hil HIL_MODROOT='${hil.modroot}' HIL_ABI='${hil.abi}' REPO_ROOT='${REPO_ROOT}'`,
    // modprobe over the pinned kernel's module tree, for scripts and for the agent alike.
    'mkdir -p /tmp/hil-bin',
    `printf '#!/bin/sh\\nexec /usr/sbin/modprobe -d "%s" "$@"\\n' "$HIL_MODROOT" > /tmp/hil-bin/modprobe`,
    'chmod +x /tmp/hil-bin/modprobe',
    'export PATH=/tmp/hil-bin:$PATH',
    `. '${join(HIL_SCRIPTS, 'guest-lib.sh')}'`,
    `cd '${REPO_ROOT}'`,
    'if [ -e /tmp/hil/hold ]; then echo hil-held; while [ ! -e /tmp/hil/release ]; do sleep 0.05; done; fi',
    '. /tmp/hil/test-script.sh',
    '',
  ].join('\n');
}

export async function startGuest(options: GuestOptions): Promise<Guest> {
  const hil = prepareHil();
  const qemu = qemuBinary();
  if (!qemu) throw new Error('qemu-system-x86_64 is not installed');
  const resultsDir = await mkdtemp(join(tmpdir(), 'hil-results-'));
  await writeFile(join(resultsDir, 'run.sh'), runScript(hil));
  await writeFile(join(resultsDir, 'test-script.sh'), options.script);
  for (const [name, content] of Object.entries(options.files ?? {})) await writeFile(join(resultsDir, name), content);
  if (options.hold) await writeFile(join(resultsDir, 'hold'), '');

  const forwards = (options.forwards ?? []).map((f) => `,hostfwd=tcp:127.0.0.1:${f.hostPort}-:${f.guestPort}`).join('');
  const args = [
    '-accel', 'tcg', '-m', String(options.memoryMb ?? 1024), '-smp', String(options.cpus ?? 2),
    '-nographic', '-no-reboot', '-bios', 'qboot.rom',
    '-kernel', hil.kernel, '-initrd', hil.initramfs,
    '-append', `console=ttyS0 quiet loglevel=3 panic=-1 mitigations=off hil.repo=${REPO_ROOT}`,
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${resultsDir},mount_tag=results,security_model=none`,
    '-netdev', `user,id=n0${forwards}`, '-device', 'virtio-net-pci,netdev=n0,romfile=',
  ];
  if (options.rtcBase) args.push('-rtc', `base=${options.rtcBase}`);
  // werror/rerror=report: a host-side I/O error reaches the guest as one, where qemu's default
  // (enospc) would pause the whole guest without a word.
  if (options.disk) args.push('-drive', `file=${options.disk},format=raw,if=virtio,cache=writeback,werror=report,rerror=report${options.hold ? ',file.locking=off' : ''}`);

  const started = Date.now();
  const child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let bootMs: number | null = null;
  let partial = '';
  const onData = (chunk: Buffer): void => {
    // SeaBIOS paints the serial line with terminal escapes; keep plain text only.
    partial += chunk.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const raw of parts) {
      // eslint-disable-next-line no-control-regex -- terminal escapes are exactly what is stripped
      const line = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1bc|\r/g, '');
      if (bootMs === null && line.includes('hil-init: ready')) bootMs = Date.now() - started;
      lines.push(line);
      options.onLine?.(line);
    }
    for (const waiter of waiters) waiter();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  let cut = false;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 120_000);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const done = exited.then(async (): Promise<GuestResult> => {
    clearTimeout(timer);
    running.delete(child);
    if (partial) lines.push(partial);
    for (const waiter of waiters) waiter();
    const codeText = await readFile(join(resultsDir, 'exit-code'), 'utf8').catch(() => null);
    const exitCode = !cut && codeText !== null ? Number(codeText.trim()) : null;
    return { exitCode, console: lines.join('\n'), bootMs, totalMs: Date.now() - started, powerCut: cut, timedOut };
  });

  const waitForLine = (pattern: RegExp, timeoutMs = 60_000): Promise<string> =>
    new Promise((resolve, reject) => {
      let from = 0;
      const check = (): void => {
        for (; from < lines.length; from++) {
          const line = lines[from] as string;
          if (pattern.test(line)) {
            finish();
            return resolve(line);
          }
        }
        if (child.exitCode !== null || child.signalCode !== null) {
          finish();
          reject(new Error(`guest ended before a console line matched ${pattern}; console:\n${lines.slice(-40).join('\n')}`));
        }
      };
      const deadline = setTimeout(() => {
        finish();
        reject(new Error(`no console line matched ${pattern} within ${timeoutMs} ms; console:\n${lines.slice(-40).join('\n')}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(deadline);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return {
    resultsDir,
    lines,
    waitForLine,
    powerCut: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      cut = true;
      child.kill('SIGKILL');
      await exited;
    },
    done,
    release: () => writeFile(join(resultsDir, 'release'), ''),
    cleanup: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      await rm(resultsDir, { recursive: true, force: true });
    },
  };
}

/** Boots, runs the script to its end, powers off. Throws when the guest times out. */
export async function runGuest(options: GuestOptions): Promise<GuestResult & { resultsDir: string; cleanup(): Promise<void> }> {
  const guest = await startGuest(options);
  const result = await guest.done;
  if (result.timedOut) {
    await guest.cleanup();
    throw new Error(`guest timed out after ${result.totalMs} ms; console:\n${result.console.split('\n').slice(-40).join('\n')}`);
  }
  return { ...result, resultsDir: guest.resultsDir, cleanup: guest.cleanup };
}

export async function stopAllGuests(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
