// Whether the system clock is synchronized, as the kernel and systemd-timesyncd see it. Node cannot
// call adjtimex(2) itself, so the agent asks, in order:
//   1. systemd-timesyncd's flag file /run/systemd/timesync/synchronized (created once it has
//      synchronized the clock; its mtime says since when): present means synchronized.
//   2. `timedatectl show -p NTPSynchronized --value`: systemd-timedated answers from adjtimex(2)
//      (STA_UNSYNC clear and the maximum error below 16 s), whichever NTP client disciplines the
//      clock (timesyncd, chrony, ntpd): `yes` or `no`.
//   3. `adjtimex --print` (Debian's adjtimex package) where installed: the `status` word's
//      STA_UNSYNC bit (0x40) says the same without D-Bus. busybox's adjtimex applet refuses
//      `--print` and prints the same word when called without options (it only reads then), so
//      a refused `--print` is asked again that way.
// The flag's folder is watched, so timesyncd's first synchronization is seen at once.
// When none answers (a container without systemd), the state is unknown (null): the agent then
// marks readings only when the year is not plausible (a Pi without RTC booting at 1970).
import { accessSync, constants, existsSync, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ClockReading, ClockSource } from './clock-source.js';

export const TIMESYNC_FLAG = '/run/systemd/timesync/synchronized';
/** adjtimex(2) status bit: the clock is not synchronized (include/uapi/linux/timex.h). */
export const STA_UNSYNC = 0x40;
const COMMAND_TIMEOUT_MS = 3000;

export interface SystemClockOptions {
  timesyncFlag?: string;
  /** Runs a command, resolving with its stdout, rejecting when it is missing or fails. */
  run?: (file: string, args: string[]) => Promise<string>;
}

/**
 * The helpers run without systemd's notify variables: a systemd tool that fails reports
 * `ERRNO=` to $NOTIFY_SOCKET, which would land in the agent's own service status.
 */
export function helperEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { NOTIFY_SOCKET: _socket, WATCHDOG_USEC: _usec, WATCHDOG_PID: _pid, ...rest } = env;
  return { ...rest, LC_ALL: 'C' };
}

/** Whether a folder of $PATH has `file` as an executable: what execFile would find. */
export function onPath(file: string, path = process.env.PATH ?? ''): boolean {
  return path.split(':').some((dir) => {
    try {
      accessSync(join(dir || '.', file), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** systemd's sd_booted(): timedatectl can only answer (over D-Bus, from timedated) where it runs. */
function systemdBooted(): boolean {
  return existsSync('/run/systemd/system');
}

/**
 * A helper that cannot answer is not started: each start is a fork of the whole agent on the main
 * thread (~4 ms at start, bench/start.ts), and child_process is only loaded when one is.
 */
async function runCommand(file: string, args: string[]): Promise<string> {
  if (!onPath(file) || (file === 'timedatectl' && !systemdBooted())) throw Object.assign(new Error(`${file}: not available here`), { code: 'ENOENT' });
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8', env: helperEnv() }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

/** `yes`/`no` from timedatectl, or null for anything else. */
export function parseTimedatectl(stdout: string): boolean | null {
  const answer = stdout.trim();
  return answer === 'yes' ? true : answer === 'no' ? false : null;
}

/** The status word of `adjtimex --print` (`status: 8193`), or null when absent. */
export function parseAdjtimexStatus(stdout: string): boolean | null {
  // Debian's `adjtimex --print` prints `status: 8193`; busybox's applet `status:  64 (UNSYNC)`.
  const match = /^\s*status:\s*(\d+)/m.exec(stdout);
  return match ? (Number(match[1]) & STA_UNSYNC) === 0 : null;
}

export function systemClockSource(options: SystemClockOptions = {}): ClockSource {
  const flag = options.timesyncFlag ?? TIMESYNC_FLAG;
  const run = options.run ?? runCommand;
  const ask = async (file: string, args: string[], parse: (stdout: string) => boolean | null): Promise<boolean | null> => {
    try {
      return parse(await run(file, args));
    } catch {
      return null;
    }
  };
  const askAdjtimex = async (): Promise<boolean | null> => {
    try {
      return parseAdjtimexStatus(await run('adjtimex', ['--print']));
    } catch (error) {
      // Not installed: nothing more to ask. Installed but `--print` refused: busybox's applet.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      return ask('adjtimex', [], parseAdjtimexStatus);
    }
  };
  return {
    read: async (): Promise<ClockReading> => {
      try {
        const flagStat = await stat(flag);
        return { synchronized: true, source: 'timesyncd', since: flagStat.mtimeMs };
      } catch {
        // No flag: not synchronized by timesyncd (yet), or another client; ask the kernel.
      }
      const timedated = await ask('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], parseTimedatectl);
      if (timedated !== null) return { synchronized: timedated, source: 'kernel (timedatectl)' };
      const adjtimex = await askAdjtimex();
      if (adjtimex !== null) return { synchronized: adjtimex, source: 'kernel (adjtimex)' };
      return { synchronized: null, source: 'none' };
    },
    watch: (listener) => {
      // timesyncd creates the flag in its runtime folder; no folder (no timesyncd): nothing to watch.
      try {
        const watcher = watch(dirname(flag), { persistent: false }, (_event, name) => {
          if (name === null || name === basename(flag)) listener();
        });
        watcher.on('error', () => watcher.close());
        return () => watcher.close();
      } catch {
        return () => undefined;
      }
    },
  };
}
