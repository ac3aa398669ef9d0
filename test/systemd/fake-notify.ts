// A fake systemd notify socket for tests: fake-notify-socket.py binds an AF_UNIX datagram socket
// (Node cannot) in a temp folder and reports every message; `messages` collects them in order.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/temp-dir.js';

const SCRIPT = fileURLToPath(new URL('../programs/fake-notify-socket.py', import.meta.url));
// Debian's python starts in ~50 ms; a pyenv shim on PATH can take seconds.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface NotifyMessage {
  /** The assignments of one datagram, e.g. { READY: '1', STATUS: 'running' }. */
  fields: Record<string, string>;
  at: number;
}

export interface FakeNotifySocket {
  path: string;
  messages: NotifyMessage[];
  /** Messages setting `key` (e.g. 'WATCHDOG'). */
  with(key: string): NotifyMessage[];
  waitFor(predicate: (messages: NotifyMessage[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

/** Why the notify tests cannot run here, or null when they can. */
export function notifySkipReason(): string | null {
  if (spawnSync('systemd-notify', ['--version']).error) return 'systemd-notify not installed (Debian package systemd)';
  if (spawnSync(PYTHON, ['--version']).error) return 'python3 not installed';
  return null;
}

export async function startFakeNotifySocket(): Promise<FakeNotifySocket> {
  const dir = await makeTempDir('sensor-agent-notify-');
  const path = join(dir.path, 'notify.sock');
  const child: ChildProcess = spawn(PYTHON, [SCRIPT, path], { stdio: ['pipe', 'pipe', 'inherit'] });
  const messages: NotifyMessage[] = [];
  const listeners = new Set<() => void>();
  let partial = '';
  const listening = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fake notify socket exited (${code})`)));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'listening') resolve();
        else if (line.startsWith('{')) {
          const parsed = JSON.parse(line) as { message: string; at: number };
          const fields = Object.fromEntries(parsed.message.split('\n').filter(Boolean).map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)]));
          // BARRIER=1 is systemd-notify's handshake, not a message of ours.
          if (!('BARRIER' in fields)) messages.push({ fields, at: parsed.at });
        }
      }
      for (const listener of listeners) listener();
    });
  });
  await listening;
  const ofKey = (key: string): NotifyMessage[] => messages.filter((message) => key in message.fields);
  return {
    path,
    messages,
    with: ofKey,
    waitFor: (predicate, timeoutMs = 10_000, what = 'notify messages') =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate(messages)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages.map((message) => message.fields))}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await dir.cleanup();
    },
  };
}
