// systemd/sensor-agent.service: what issue 7 asks of it, `systemd-analyze verify`, and the
// exposure level `systemd-analyze security` gives it (README, "Fleet deployment").
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';

const UNIT = fileURLToPath(new URL('../../systemd/sensor-agent.service', import.meta.url));
const NODE_IN_PACKAGE = '/usr/lib/sensor-agent/node/bin/node';
const analyzeMissing = spawnSync('systemd-analyze', ['--version']).error !== undefined;
if (analyzeMissing) console.warn('skipping systemd-analyze checks: systemd-analyze not installed (Debian package systemd)');

function settings(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) found.set(match[1]!, [...(found.get(match[1]!) ?? []), match[2]!]);
  }
  return found;
}

const folders: Array<{ cleanup(): Promise<void> }> = [];
afterAll(async () => Promise.all(folders.map((dir) => dir.cleanup())));

describe('the systemd unit', () => {
  it('runs as the dedicated user, notifies, restarts on failure but not on a bad config, and is hardened', async () => {
    const unit = settings(await readFile(UNIT, 'utf8'));
    const one = (key: string): string | undefined => unit.get(key)?.at(-1);
    expect(one('Type')).toBe('notify');
    expect(one('NotifyAccess')).toBe('all');
    expect(one('WatchdogSec')).toBe('30s');
    expect(one('User')).toBe('sensor-agent');
    expect(one('SupplementaryGroups')).toBe('gpio i2c');
    expect(one('StateDirectory')).toBe('sensor-agent');
    expect(one('ConfigurationDirectory')).toBe('sensor-agent');
    expect(one('Restart')).toBe('on-failure');
    expect(one('RestartPreventExitStatus')).toBe('78');
    for (const key of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp']) expect(one(key)).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('DevicePolicy')).toBe('closed');
    expect(unit.get('DeviceAllow')).toEqual(['char-i2c rw', 'char-gpiochip rw']);
    expect(one('ExecStart')).toBe(`${NODE_IN_PACKAGE} --max-semi-space-size=1 --v8-pool-size=1 --optimize-for-size /usr/lib/sensor-agent/sensor-agent.js run --config /etc/sensor-agent/config.yaml`);
  });

  it.skipIf(analyzeMissing)('passes systemd-analyze verify', async () => {
    // verify checks that ExecStart's binary exists: point it at a stub, leave the rest as shipped.
    const dir = await makeTempDir('sensor-agent-unit-');
    folders.push(dir);
    await mkdir(join(dir.path, 'bin'));
    const stub = join(dir.path, 'bin/node');
    await writeFile(stub, '#!/bin/sh\n');
    await chmod(stub, 0o755);
    const copy = join(dir.path, 'sensor-agent.service');
    await writeFile(copy, (await readFile(UNIT, 'utf8')).replace(NODE_IN_PACKAGE, stub));
    const result = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8', cwd: dir.path });
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    expect(result.status).toBe(0);
  });

  it.skipIf(analyzeMissing)('has an exposure level of OK or better in systemd-analyze security', () => {
    const result = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', UNIT], { encoding: 'utf8' });
    const match = /Overall exposure level for \S+: ([\d.]+) (\w+)/.exec(`${result.stdout}${result.stderr}`);
    expect(match, result.stdout + result.stderr).not.toBeNull();
    console.info(`systemd-analyze security: ${match![1]} ${match![2]}`);
    expect(['PERFECT', 'SAFE', 'OK']).toContain(match![2]);
    expect(Number(match![1])).toBeLessThanOrEqual(2.0);
  });
});
