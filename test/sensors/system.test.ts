// The `system` driver against fixture trees (Telegraf-style: a fake sysfs and procfs per case):
// exact values from known files, and every value whose source is missing or unreadable skipped,
// never faked.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createSystem, systemDriver, systemOptions } from '../../src/sensors/system.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { noHardwareContext } from '../helpers/driver-context.js';

const fixture = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const PI4_SYSFS = fixture('../fixtures/sysfs/thermal/pi4');
const BROKEN_SYSFS = fixture('../fixtures/sysfs/thermal/broken');
const PI4_PROC = fixture('../fixtures/procfs/pi4');
const NOWHERE = fixture('../fixtures/procfs/does-not-exist');

const dirs: Array<{ cleanup(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => dir.cleanup()));
});

async function storeDir(): Promise<string> {
  const dir = await makeTempDir('system-driver-');
  dirs.push(dir);
  return dir.path;
}

const read = (options: Record<string, unknown>, storePath = NOWHERE) => createSystem(systemOptions.parse(options), storePath).read();

describe('the system driver', () => {
  it('reads a Raspberry Pi 4 host: CPU temperature in °C to 0.1, load, memory and uptime', async () => {
    const values = await read({ sysfsRoot: PI4_SYSFS, procRoot: PI4_PROC });
    expect(values).toEqual({
      temperature: 48.3, // thermal_zone0/temp: 48312 m°C
      load1: 0.52,
      load5: 0.58,
      load15: 0.59,
      memoryAvailableMB: 3187.8, // MemAvailable 3113100 kB (KiB): 3,187,814,400 bytes
      memoryUsedPercent: 19.9, // (MemTotal - MemAvailable) / MemTotal
      uptime: 12346, // 12345.67 s, rounded
    });
  });

  it('skips the temperature when the configured thermal zone does not exist', async () => {
    const values = await read({ sysfsRoot: PI4_SYSFS, procRoot: PI4_PROC, thermalZone: 1 });
    expect(values).not.toHaveProperty('temperature');
    expect(values).toMatchObject({ load1: 0.52, uptime: 12346 });
  });

  it.each([
    [0, 'an empty temp file'],
    [1, 'a temp file that is not a number'],
  ])('skips the temperature for thermal zone %i (%s) rather than reporting 0 °C', async (thermalZone) => {
    const values = await read({ sysfsRoot: BROKEN_SYSFS, procRoot: PI4_PROC, thermalZone });
    expect(values).not.toHaveProperty('temperature');
  });

  it('reports nothing it cannot read: no sysfs, no procfs, no store folder gives {}', async () => {
    expect(await read({ sysfsRoot: NOWHERE, procRoot: NOWHERE })).toEqual({});
  });

  it('reports the free space of the file system holding the store', async () => {
    const values = await read({ sysfsRoot: NOWHERE, procRoot: NOWHERE }, await storeDir());
    expect(Object.keys(values).sort()).toEqual(['diskFreeMB', 'diskUsedPercent']);
    expect(values.diskFreeMB).toBeGreaterThan(0);
    expect(values.diskUsedPercent).toBeGreaterThanOrEqual(0);
    expect(values.diskUsedPercent).toBeLessThanOrEqual(100);
    // Rounded to 0.1, not printed with 16 digits.
    expect(Math.round(values.diskFreeMB! * 10) / 10).toBe(values.diskFreeMB);
  });

  it('is created through its registry definition with the store path from the context', async () => {
    const sensor = await systemDriver.create(systemOptions.parse({ sysfsRoot: PI4_SYSFS, procRoot: PI4_PROC }), noHardwareContext({ sensorId: 'system', storePath: await storeDir() }));
    const values = await sensor.read();
    expect(values).toMatchObject({ temperature: 48.3, load1: 0.52 });
    expect(values).toHaveProperty('diskFreeMB');
    expect(sensor.readingsPerTick ?? 1).toBe(1);
  });

  it('defaults to the real /sys and /proc, thermal zone 0', () => {
    expect(systemOptions.parse({})).toEqual({ sysfsRoot: '/sys', procRoot: '/proc', thermalZone: 0 });
  });
});
