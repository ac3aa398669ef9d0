// doctor's checks of what `run` needs before it is ready, on this machine and right now: the store
// folder (there and writable, or creatable), the store not locked by another process (LevelDB's
// lock, found in /proc/locks without opening the store), and the status port free to listen on.
// Each failure here is one `run` would stop on (BUFFER_LOCKED, STATUS_PORT_IN_USE, ...).
import { access, constants, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { Config } from '../config/schema.js';
import { formatAddress, listenError, parseListen } from '../status/listen-address.js';
import type { CheckResult } from './doctor-result.js';

async function writable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(() => true, () => false);
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((info) => info.isDirectory(), () => false);
}

/** The store folder: writable if it exists; else the nearest existing parent must be, as the agent creates the rest. */
export async function checkStoreFolder(config: Config): Promise<CheckResult> {
  const path = config.store.path;
  const fix = 'run as the service user, or set store.path (systemd: StateDirectory=sensor-agent)';
  if (await isDirectory(path)) {
    return (await writable(path))
      ? { verdict: 'ok', what: `store ${path} exists and is writable`, stops: true }
      : { verdict: 'fail', what: `store ${path} is not writable by this user`, fix, stops: true };
  }
  let parent = dirname(path);
  while (!(await isDirectory(parent)) && dirname(parent) !== parent) parent = dirname(parent);
  return (await writable(parent))
    ? { verdict: 'ok', what: `store ${path} does not exist yet; the agent will create it (${parent} is writable)`, stops: true }
    : { verdict: 'fail', what: `store ${path} does not exist and cannot be created (${parent} is not writable by this user)`, fix, stops: true };
}

/** The process holding a POSIX lock on the file with this inode, from /proc/locks; null when none. */
async function lockHolder(file: string): Promise<number | null> {
  const info = await stat(file).catch(() => null);
  if (info === null) return null;
  const locks = await readFile('/proc/locks', 'utf8').catch(() => '');
  for (const line of locks.split('\n')) {
    // "1: POSIX  ADVISORY  WRITE 4242 fd:01:1835010 0 EOF" (device major:minor in hex, then the inode)
    const fields = line.trim().split(/\s+/);
    const pid = Number(fields[4]);
    const inode = fields[5]?.split(':')[2];
    if (fields[1] === 'POSIX' && inode !== undefined && Number(inode) === info.ino && Number.isInteger(pid) && pid > 0) return pid;
  }
  return null;
}

async function commandOf(pid: number): Promise<string> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const words = cmdline.split('\0').filter(Boolean);
  return words.length === 0 ? '' : `: ${words.slice(0, 4).join(' ')}`;
}

/** LevelDB takes a lock on <store>/LOCK; a second agent on the same store would stop with BUFFER_LOCKED. */
export async function checkStoreLock(config: Config): Promise<CheckResult | null> {
  const lock = join(config.store.path, 'LOCK');
  if (!(await stat(lock).then(() => true, () => false))) return null;
  const holder = await lockHolder(lock);
  if (holder === null) return { verdict: 'ok', what: 'store is not in use by another process', stops: true };
  return {
    verdict: 'fail',
    what: `store ${config.store.path} is in use by process ${holder}${await commandOf(holder)}`,
    fix: 'another sensor-agent runs on this store: stop it (systemctl stop sensor-agent), or give this one its own store.path',
    code: 'BUFFER_LOCKED',
    stops: true,
  };
}

/** Listens on status.listen for a moment, as `run` would; port 0 (a free port) and `off` need no check. */
export async function checkStatusPort(config: Config): Promise<CheckResult | null> {
  if (config.status.listen === 'off') return null;
  const address = parseListen(config.status.listen);
  if (address.port === 0) return null;
  const server = createServer();
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    server.once('error', resolve);
    server.listen(address.port, address.host, () => resolve(null));
  });
  await new Promise((resolve) => server.close(resolve));
  if (error === null) return { verdict: 'ok', what: `status port ${formatAddress(address)} is free`, stops: true };
  const failure = listenError(error, address);
  return { verdict: 'fail', what: failure.message.replace(/^[A-Z_]+: /, '').replace(/ \(.*\)$/, ''), fix: failure.message.match(/\((.*)\)$/)?.[1] ?? "change 'status.listen'", code: failure.code, stops: true };
}
