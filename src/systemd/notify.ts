// sd_notify(3) for Node: tells systemd READY=1, WATCHDOG=1, STOPPING=1 and STATUS=.
// Node has no AF_UNIX datagram sockets, so each message is sent by `systemd-notify` (shipped
// with systemd wherever NOTIFY_SOCKET can be set). The unit says NotifyAccess=all because the
// sender is a child process; systemd-notify (systemd >= 246) then waits on a barrier until the
// manager has read the message, so the sender's exit cannot lose the attribution to our unit.
// Messages go out one at a time, in order: WATCHDOG=1 must never overtake READY=1.
import { spawn } from 'node:child_process';

export interface NotifyLog {
  warn(object: object, message: string): void;
}

export interface NotifierOptions {
  /** The command that sends a message (argument list: `KEY=value` assignments). */
  command?: string;
  env?: NodeJS.ProcessEnv;
  log: NotifyLog;
  /** A send that has not ended by then is killed (a manager that never reads). */
  timeoutMs?: number;
}

export class SystemdNotifier {
  private readonly command: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: NotifyLog;
  private readonly timeoutMs: number;
  private queue: Promise<void> = Promise.resolve();
  private broken = false;

  constructor(options: NotifierOptions) {
    this.command = options.command ?? 'systemd-notify';
    this.env = options.env ?? process.env;
    this.log = options.log;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  ready(status?: string): Promise<void> {
    return this.send(status === undefined ? ['READY=1'] : ['READY=1', `STATUS=${status}`]);
  }

  watchdog(): Promise<void> {
    return this.send(['WATCHDOG=1']);
  }

  stopping(): Promise<void> {
    return this.send(['STOPPING=1', 'STATUS=stopping']);
  }

  status(text: string): Promise<void> {
    return this.send([`STATUS=${text}`]);
  }

  /** Queued behind earlier messages; never rejects (a lost notification is logged, not fatal). */
  send(assignments: string[]): Promise<void> {
    const next = this.queue.then(() => this.run(assignments));
    this.queue = next;
    return next;
  }

  private run(assignments: string[]): Promise<void> {
    if (this.broken) return Promise.resolve();
    return new Promise((resolve) => {
      const child = spawn(this.command, assignments, { env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // No systemd-notify on this host: say so once, then stay quiet.
        if (error.code === 'ENOENT') this.broken = true;
        this.log.warn({ err: error, command: this.command }, 'cannot notify systemd');
        resolve();
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code !== 0) this.log.warn({ code, signal, stderr: stderr.trim(), message: assignments.join(' ') }, 'systemd-notify failed');
        resolve();
      });
    });
  }
}

/** A notifier when systemd asked for notifications (NOTIFY_SOCKET set), else null. */
export function notifierFromEnv(env: NodeJS.ProcessEnv, log: NotifyLog, command?: string): SystemdNotifier | null {
  if (!env.NOTIFY_SOCKET) return null;
  return new SystemdNotifier({ env, log, ...(command !== undefined ? { command } : {}) });
}

/**
 * How often to send WATCHDOG=1: half of WATCHDOG_USEC (sd_watchdog_enabled(3)), or null when the
 * unit has no WatchdogSec= or the watchdog is meant for another process (WATCHDOG_PID).
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number = process.pid): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}
