// A client id unique per device without per-device config (src/mqtt/client-id.ts): {hardwareId}
// from the Pi's serial (device tree, else /proc/cpuinfo), else /etc/machine-id, hashed.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClientIdError, hardwareId, resolveClientId, type HardwareIdSources } from '../../src/mqtt/client-id.js';

async function sources(files: Partial<Record<keyof HardwareIdSources, string>>): Promise<HardwareIdSources> {
  const dir = await mkdtemp(join(tmpdir(), 'client-id-'));
  const paths: HardwareIdSources = { serialNumber: join(dir, 'serial-number'), cpuinfo: join(dir, 'cpuinfo'), machineId: join(dir, 'machine-id') };
  for (const [key, text] of Object.entries(files)) await writeFile(paths[key as keyof HardwareIdSources], text);
  return paths;
}

const PI_CPUINFO = 'processor\t: 0\nmodel name\t: ARMv7 Processor rev 3 (v7l)\n\nHardware\t: BCM2835\nRevision\t: c03112\nSerial\t\t: 10000000a1b2c3d4\nModel\t\t: Raspberry Pi 4 Model B Rev 1.2\n';
const MACHINE_ID = '4f2b1c9e8d7a6b5c4d3e2f1a0b9c8d7e\n';

describe('{hardwareId}', () => {
  it('comes from the device tree serial number first (NUL-terminated there)', async () => {
    const found = hardwareId(await sources({ serialNumber: '10000000a1b2c3d4\0', cpuinfo: PI_CPUINFO, machineId: MACHINE_ID }));
    expect(found?.source).toMatch(/serial-number$/);
    expect(found?.id).toMatch(/^[0-9a-f]{16}$/);
    // The same serial read from /proc/cpuinfo gives the same id.
    expect(hardwareId(await sources({ cpuinfo: PI_CPUINFO }))?.id).toBe(found?.id);
  });

  it('falls back to /etc/machine-id, hashed (machine-id itself is meant to stay private)', async () => {
    const found = hardwareId(await sources({ cpuinfo: 'processor\t: 0\nSerial\t\t: 0000000000000000\n', machineId: MACHINE_ID }));
    expect(found?.source).toMatch(/machine-id$/);
    expect(found?.id).not.toContain('4f2b1c9e');
    expect(found?.id).toHaveLength(16);
  });

  it('differs between two boards and stays the same on one', async () => {
    const a = hardwareId(await sources({ serialNumber: '10000000a1b2c3d4' }));
    const b = hardwareId(await sources({ serialNumber: '10000000a1b2c3d5' }));
    expect(a?.id).not.toBe(b?.id);
    expect(hardwareId(await sources({ serialNumber: '10000000a1b2c3d4' }))?.id).toBe(a?.id);
  });

  it('fills mqtt.clientId, leaves one without the placeholder as it is, and says what to do when there is no id', async () => {
    const pi = await sources({ serialNumber: '10000000a1b2c3d4' });
    expect(resolveClientId('sensor-agent-{hardwareId}', pi)).toBe(`sensor-agent-${hardwareId(pi)?.id}`);
    expect(resolveClientId('sensor-agent-greenhouse', await sources({}))).toBe('sensor-agent-greenhouse');
    const none = await sources({ machineId: 'not-an-id\n' });
    expect(() => resolveClientId('x-{hardwareId}', none)).toThrow(ClientIdError);
    expect(() => resolveClientId('x-{hardwareId}', none)).toThrow(/CLIENT_ID_UNAVAILABLE.*machine-id/);
  });
});
