// The generic hwmon driver on fake sysfs trees laid out as Documentation/hwmon/sysfs-interface
// lays them out (test/fixtures/sysfs/hwmon/<case>/, each a hardware.hwmonRoot): temp, humidity,
// in, curr and power channels converted from m°C, m%RH, mV, mA and µW; a type the device has once
// under its bare name, several under hwmon's index; an absent device; and, through the sampler's
// own schedule, a device that is unbound (marked failed, retried with backoff) and bound again.
import { cp, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { hwmonDriver, hwmonOptions } from '../../src/sensors/kernel/hwmon.js';
import { SensorSchedule } from '../../src/sampling/sensor-schedule.js';
import type { Values } from '../../src/sensors/types.js';
import { noHardwareContext } from '../helpers/driver-context.js';
import { until } from '../helpers/poll.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/sysfs/hwmon/${name}`, import.meta.url));

function createIn(hwmonRoot: string, options: Record<string, unknown>) {
  const base = noHardwareContext();
  return hwmonDriver.create(hwmonOptions.parse(options), { ...base, hardware: { ...base.hardware, hwmonRoot } });
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

describe('the hwmon driver', () => {
  // The plain reads of each fixture tree (jc42, sht3x, ina219, two devices by name and by folder)
  // are cases: test/fixtures/sysfs/hwmon/<case>/expected.json, run by sysfs-cases.test.ts.

  it('declares the values `channels` names; power to the µW', () => {
    expect(hwmonDriver.values?.(hwmonOptions.parse({ device: 'ina219', channels: ['voltage1', 'power'] }))).toEqual({
      voltage1: { decimals: 3, unit: 'V', kind: 'voltage' },
      power: { decimals: 6, unit: 'W', kind: 'power' },
    });
  });

  it('fails at start when the device is absent, listing what is there and the dtoverlay line', async () => {
    await expect(createIn(fixture('two-devices'), { device: 'tmp102' })).rejects.toThrow(
      /^SENSOR_NOT_FOUND: hwmon device tmp102 not found in .*two-devices \(present: hwmon0 \(cpu_thermal\), hwmon1 \(lm75\)\): the chip is absent or its kernel driver is not bound; add dtoverlay=i2c-sensor,tmp102 /,
    );
    await expect(createIn(fixture('two-devices'), { device: 'jc42' })).rejects.toThrow(/not bound; add its overlay to .*dtoverlay=i2c-sensor,<chip>.*echo <chip> 0x<addr> > \/sys\/bus\/i2c\/devices\/i2c-1\/new_device/);
  });

  it('rejects a bad device name', () => {
    expect(hwmonOptions.safeParse({ device: 'hwmon/../x' }).error?.issues[0]?.message).toMatch(/^is not a hwmon device name such as jc42/);
    expect(hwmonOptions.safeParse({ device: '' }).error?.issues[0]?.message).toMatch(/^is not a hwmon device name such as jc42/);
  });

  it('is marked failed when its driver unbinds, retried with backoff, and publishes again once it is bound (as hwmon1)', { timeout: 10_000 }, async () => {
    const dir = await makeTempDir('hwmon-');
    cleanups.push(dir.cleanup);
    await cp(fixture('jc42'), dir.path, { recursive: true });
    const accepted: Values[] = [];
    const failed: string[] = [];
    let recovered = 0;
    const waitFor = (done: () => boolean): Promise<void> => until(done, 4000, 'the schedule', 10);
    const schedule = new SensorSchedule({
      sensorId: 'board',
      intervalMs: 50,
      open: () => createIn(dir.path, { device: 'jc42' }),
      hooks: { accept: async (_id, _ts, samples) => void accepted.push(...samples), failed: (_id, message) => void failed.push(message), recovered: () => void recovered++ },
      log: pino({ level: 'silent' }),
    });
    schedule.start();
    try {
      await waitFor(() => accepted.length > 0);
      await rename(join(dir.path, 'hwmon0'), join(dir.path, 'unbound'));
      await waitFor(() => failed.length > 0);
      expect(failed[0]).toMatch(/^SENSOR_NOT_FOUND: hwmon device jc42 \(.*hwmon0\) temperature: .*temp1_input is gone: the device was removed or its driver unbound$/);
      const before = accepted.length;
      await rename(join(dir.path, 'unbound'), join(dir.path, 'hwmon1'));
      await waitFor(() => recovered > 0 && accepted.length > before);
      expect(accepted.at(-1)).toEqual({ temperature: 21.562 });
    } finally {
      await schedule.stop();
    }
  });
});

describe('iio and hwmon sensors in a config', () => {
  it('names the sensor, the key and the value of a bad device, and checks filters against `channels`', async () => {
    const { parseConfig } = await import('../../src/config/load.js');
    const context = { env: {}, baseDir: '/', hostname: 'h' };
    const problems = (sensors: unknown[]): string[] => {
      try {
        parseConfig({ sensors }, context);
        return [];
      } catch (error) {
        return (error as { problems: string[] }).problems;
      }
    };
    expect(problems([{ id: 'board', driver: 'hwmon', device: 'jc 42' }])).toEqual([expect.stringMatching(/^sensors\[0\]\.device: "jc 42" is not a hwmon device name such as jc42/)]);
    expect(problems([{ id: 'air', driver: 'iio', device: 'bme280', channels: ['temperature'], filters: { pressure: [{ offset: 1 }] } }])).toEqual([
      expect.stringMatching(/^sensors\[0\]\.filters\.pressure: .*is not a value of this sensor \(its values: temperature/),
    ]);
    expect(problems([{ id: 'air', driver: 'iio', device: 'bme280' }, { id: 'board', driver: 'hwmon', device: 'jc42', channels: ['temperature'] }])).toEqual([]);
  });
});
