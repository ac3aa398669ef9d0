// The real clock source: timesyncd's flag file (a real file in a temp folder), then the kernel's
// state as timedatectl and adjtimex print it (their output as the programs print it).
import { execFile, spawnSync } from 'node:child_process';
import { symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { helperEnv, onPath, parseAdjtimexStatus, parseTimedatectl, systemClockSource } from '../../src/clock/system-clock-source.js';
import { makeTempDir } from '../helpers/temp-dir.js';

let temp: { path: string; cleanup(): Promise<void> } | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

const missing = (): Promise<string> => Promise.reject(new Error('ENOENT'));

describe('system clock source', () => {
  it('takes timesyncd’s flag file as synchronized, since its mtime', async () => {
    temp = await makeTempDir('timesync-');
    const flag = join(temp.path, 'synchronized');
    await writeFile(flag, '');
    await utimes(flag, 1_764_000_000, 1_764_000_000);
    const source = systemClockSource({ timesyncFlag: flag, run: missing });
    expect(await source.read()).toEqual({ synchronized: true, source: 'timesyncd', since: 1_764_000_000_000 });
  });

  it('without the flag, asks timedatectl, then adjtimex', async () => {
    const calls: string[] = [];
    const answers: Record<string, string> = { timedatectl: 'no\n' };
    const run = (file: string, args: string[]): Promise<string> => {
      calls.push(`${file} ${args.join(' ')}`);
      return file in answers ? Promise.resolve(answers[file]!) : Promise.reject(new Error('ENOENT'));
    };
    const source = systemClockSource({ timesyncFlag: '/nonexistent/synchronized', run });
    expect(await source.read()).toEqual({ synchronized: false, source: 'kernel (timedatectl)' });
    expect(calls).toEqual(['timedatectl show -p NTPSynchronized --value']);
    delete answers.timedatectl;
    answers.adjtimex = '         mode: 0\n       offset: 0\n    frequency: 0\n       status: 64\n';
    expect(await source.read()).toEqual({ synchronized: false, source: 'kernel (adjtimex)' });
    delete answers.adjtimex;
    expect(await source.read()).toEqual({ synchronized: null, source: 'none' });
  });

  it('asks busybox’s adjtimex applet without --print (it refuses the option and only reads without one)', async () => {
    const calls: string[] = [];
    const refused = Object.assign(new Error('Command failed: adjtimex --print'), { code: 1 });
    const notFound = Object.assign(new Error('spawn adjtimex ENOENT'), { code: 'ENOENT' });
    let installed = true;
    const run = (file: string, args: string[]): Promise<string> => {
      calls.push(`${file} ${args.join(' ')}`.trim());
      if (file !== 'adjtimex' || !installed) return Promise.reject(notFound);
      return args.length === 0 ? Promise.resolve('    maxerror:     16000000\n    status:       64 (UNSYNC)\n') : Promise.reject(refused);
    };
    const source = systemClockSource({ timesyncFlag: '/nonexistent/synchronized', run });
    expect(await source.read()).toEqual({ synchronized: false, source: 'kernel (adjtimex)' });
    expect(calls).toEqual(['timedatectl show -p NTPSynchronized --value', 'adjtimex --print', 'adjtimex']);
    // Not installed at all: asked once, not twice.
    installed = false;
    calls.length = 0;
    expect(await source.read()).toEqual({ synchronized: null, source: 'none' });
    expect(calls).toEqual(['timedatectl show -p NTPSynchronized --value', 'adjtimex --print']);
  });

  const busybox = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
  it.skipIf(busybox === '')('reads this kernel’s state through the real busybox adjtimex applet', async () => {
    temp = await makeTempDir('adjtimex-');
    const applet = join(temp.path, 'adjtimex');
    await symlink(busybox, applet);
    const run = (file: string, args: string[]): Promise<string> =>
      file === 'adjtimex'
        ? new Promise((resolve, reject) => execFile(applet, args, { encoding: 'utf8' }, (error, stdout) => (error ? reject(error) : resolve(stdout))))
        : Promise.reject(Object.assign(new Error(`spawn ${file} ENOENT`), { code: 'ENOENT' }));
    const reading = await systemClockSource({ timesyncFlag: '/nonexistent/synchronized', run }).read();
    expect(reading.source).toBe('kernel (adjtimex)');
    expect(typeof reading.synchronized).toBe('boolean');
  });

  it('reads the answers as the programs print them', () => {
    expect(parseTimedatectl('yes\n')).toBe(true);
    expect(parseTimedatectl('no\n')).toBe(false);
    expect(parseTimedatectl('')).toBeNull();
    // STA_PLL | STA_NANO = 8193: synchronized; STA_UNSYNC (0x40) set: not.
    expect(parseAdjtimexStatus('       status: 8193\n')).toBe(true);
    expect(parseAdjtimexStatus('       status: 8257\n')).toBe(false);
    // busybox's adjtimex applet names the bits after the number.
    expect(parseAdjtimexStatus('    maxerror:     16000000\n    status:       64 (UNSYNC)\n')).toBe(false);
    expect(parseAdjtimexStatus('nothing here')).toBeNull();
  });

  it('runs the helpers without systemd’s notify socket (a failing timedatectl would report ERRNO= to it)', () => {
    expect(helperEnv({ PATH: '/usr/bin', NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '1', WATCHDOG_PID: '2' })).toEqual({ PATH: '/usr/bin', LC_ALL: 'C' });
  });

  it('tells a watcher when the flag appears in its folder', async () => {
    temp = await makeTempDir('timesync-');
    const flag = join(temp.path, 'synchronized');
    const source = systemClockSource({ timesyncFlag: flag, run: missing });
    const seen = new Promise<void>((resolve) => {
      const unwatch = source.watch!(() => {
        unwatch();
        resolve();
      });
    });
    await writeFile(flag, '');
    await seen;
    expect((await source.read()).synchronized).toBe(true);
  });
});

describe('onPath', () => {
  it('finds an executable in a folder of $PATH, as execFile would, and nothing else', async () => {
    temp = await makeTempDir('on-path-');
    const tool = join(temp.path, 'tool');
    await writeFile(tool, '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(join(temp.path, 'plain'), '', { mode: 0o644 });
    expect(onPath('tool', `/nonexistent:${temp.path}`)).toBe(true);
    expect(onPath('plain', temp.path)).toBe(false);
    expect(onPath('tool', '/nonexistent')).toBe(false);
  });
});
