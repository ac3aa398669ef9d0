// The generic iio driver on fake sysfs trees laid out as the IIO ABI lays them out
// (test/fixtures/sysfs/iio/<case>/, each a hardware.iioRoot): processed `_input` channels, `_raw`
// with `_scale` and `_offset`, the ABI's units converted to the product's, lookup by name or
// folder, an absent device, one that disappears and comes back under another number, and the
// config errors of `device` and `channels`.
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { iioDriver, iioOptions } from '../../src/sensors/kernel/iio.js';
import { noHardwareContext } from '../helpers/driver-context.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/sysfs/iio/${name}`, import.meta.url));

function createIn(iioRoot: string, options: Record<string, unknown>) {
  const base = noHardwareContext();
  return iioDriver.create(iioOptions.parse(options), { ...base, hardware: { ...base.hardware, iioRoot } });
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

describe('the iio driver', () => {
  it('reads the bmp280 driver\'s processed channels of a BME280: m°C, kPa and m%RH to °C, hPa and %RH', async () => {
    const sensor = await createIn(fixture('bme280'), { device: 'bme280' });
    expect(await sensor.read()).toEqual({ temperature: 21.53, pressure: 1006.533, humidity: 45.678 });
  });

  it('computes (raw + offset) × scale for raw channels (hts221: per-chip offset and scale)', async () => {
    const sensor = await createIn(fixture('hts221'), { device: 'hts221' });
    // (612 + 8000) × 2.5 = 21530 m°C; (−1150 + 5719.5876) × 10 = 45695.876 m%RH
    expect(await sensor.read()).toEqual({ temperature: 21.53, humidity: 45.696 });
  });

  it('uses the scale a type shares (in_voltage_scale), keeps the channel index, and skips differential channels', async () => {
    const sensor = await createIn(fixture('two-devices'), { device: 'mcp3008' });
    const values = await sensor.read();
    expect(Object.keys(values).sort()).toEqual(['voltage0', 'voltage1', 'voltage2', 'voltage3', 'voltage4', 'voltage5', 'voltage6', 'voltage7']);
    // 1023 × 3.22265625 mV = 3296.777 mV; 4 × 3.22265625 = 12.89 mV; 512 × 3.22265625 = 1650 mV
    expect(values).toMatchObject({ voltage0: 3.297, voltage2: 0, voltage3: 0.013, voltage4: 1.65 });
  });

  it('prefers _input to _raw, keeps a modifier in the name, and skips statistics such as _mean_raw', async () => {
    const dir = await makeTempDir('iio-');
    cleanups.push(dir.cleanup);
    const device = join(dir.path, 'iio:device2');
    await mkdir(device);
    const files: Record<string, string> = {
      name: 'mlx90614', // an IR thermometer: ambient and object temperatures
      in_temp_ambient_input: '22500',
      in_temp_ambient_raw: '14000',
      in_temp_ambient_scale: '20',
      in_temp_object_raw: '14500',
      in_temp_object_offset: '-13657.500000',
      in_temp_object_scale: '20',
      in_voltage0_raw: '100',
      in_voltage0_mean_raw: '90',
    };
    for (const [file, text] of Object.entries(files)) await writeFile(join(device, file), `${text}\n`);
    // object: (14500 − 13657.5) × 20 = 16850 m°C; voltage0 without a scale is 100 mV
    expect(await (await createIn(dir.path, { device: 'mlx90614' })).read()).toEqual({ temperatureAmbient: 22.5, temperatureObject: 16.85, voltage0: 0.1 });
  });

  // Finding a device by name among several, or by its folder: test/fixtures/sysfs/iio/two-devices/expected.json.

  it('publishes only the channels named in `channels`, and fails at start for one the device lacks', async () => {
    expect(await (await createIn(fixture('bme280'), { device: 'bme280', channels: ['pressure'] })).read()).toEqual({ pressure: 1006.533 });
    await expect(createIn(fixture('two-devices'), { device: 'bh1750', channels: ['illuminance', 'temperature'] })).rejects.toThrow(
      /^CHANNEL_NOT_FOUND: IIO device bh1750 \(.*iio:device1\) has no temperature \(its channels: illuminance\)$/,
    );
  });

  it('declares the values `channels` names, with unit, kind and decimals; none without it', () => {
    expect(iioDriver.values?.(iioOptions.parse({ device: 'bme280', channels: ['temperature', 'pressure', 'voltage1'] }))).toEqual({
      temperature: { decimals: 3, unit: '°C', kind: 'temperature' },
      pressure: { decimals: 3, unit: 'hPa', kind: 'pressure' },
      voltage1: { decimals: 3, unit: 'V', kind: 'voltage' },
    });
    expect(iioDriver.values?.(iioOptions.parse({ device: 'bme280' }))).toBeUndefined();
  });

  it('fails at start when the device is absent, listing what is there and the dtoverlay line', async () => {
    await expect(createIn(fixture('two-devices'), { device: 'bme280' })).rejects.toThrow(
      /^SENSOR_NOT_FOUND: IIO device bme280 not found in .*two-devices \(present: iio:device0 \(mcp3008\), iio:device1 \(bh1750\)\): the chip is absent or its kernel driver is not bound; add dtoverlay=i2c-sensor,bme280 /,
    );
    await expect(createIn('/nonexistent/iio', { device: 'bmp280' })).rejects.toThrow(/^SENSOR_NOT_FOUND: IIO device bmp280: \/nonexistent\/iio does not exist, no IIO driver has bound a device; add dtoverlay=i2c-sensor,bmp280 /);
  });

  it('fails a reading when the device is unbound, and starts again when it is back under another number', async () => {
    const dir = await makeTempDir('iio-');
    cleanups.push(dir.cleanup);
    await cp(fixture('bme280'), dir.path, { recursive: true });
    const sensor = await createIn(dir.path, { device: 'bme280' });
    expect(await sensor.read()).toMatchObject({ temperature: 21.53 });
    await rename(join(dir.path, 'iio:device0'), join(dir.path, 'gone'));
    await expect(sensor.read()).rejects.toThrow(/^SENSOR_NOT_FOUND: IIO device bme280 \(.*iio:device0\) \w+: .*iio:device0\/in_\w+_input is gone: the device was removed or its driver unbound$/);
    await expect(createIn(dir.path, { device: 'bme280' })).rejects.toThrow(/^SENSOR_NOT_FOUND: IIO device bme280 not found/);
    await rename(join(dir.path, 'gone'), join(dir.path, 'iio:device3'));
    expect(await (await createIn(dir.path, { device: 'bme280' })).read()).toEqual({ temperature: 21.53, pressure: 1006.533, humidity: 45.678 });
  });

  it('fails a reading whose file is not a number (BAD_DATA) or cannot be read (IO_ERROR)', async () => {
    const dir = await makeTempDir('iio-');
    cleanups.push(dir.cleanup);
    await cp(fixture('bme280'), dir.path, { recursive: true });
    const sensor = await createIn(dir.path, { device: 'bme280' });
    await writeFile(join(dir.path, 'iio:device0', 'in_humidityrelative_input'), '\n');
    await expect(sensor.read()).rejects.toThrow(/^BAD_DATA: .*humidity: in_humidityrelative_input holds "", not a number$/);
    // A folder where the file was: read() fails with EISDIR, as a driver's EIO would.
    await rm(join(dir.path, 'iio:device0', 'in_humidityrelative_input'));
    await mkdir(join(dir.path, 'iio:device0', 'in_humidityrelative_input'));
    await expect(sensor.read()).rejects.toThrow(/^IO_ERROR: .*humidity: reading in_humidityrelative_input failed \(EISDIR\)/);
  });

  it('rejects a bad `device` and bad `channels` with the key, the value and what is expected', () => {
    const message = (options: Record<string, unknown>) => iioOptions.safeParse(options).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(message({})).toEqual(['device: missing (expected the IIO device\'s name such as bme280, or its folder)']);
    expect(message({ device: '../bme280' })?.[0]).toMatch(/^device: is not a IIO device name such as bme280 or a folder name/);
    expect(message({ device: 'bme 280' })?.[0]).toMatch(/^device: is not a IIO device name/);
    expect(message({ device: 'bme280', channels: ['temp'] })?.[0]).toMatch(/^channels.0: is not a value name such as temperature/);
    expect(message({ device: 'bme280', channels: [] })?.[0]).toBe('channels: is empty (leave it out to publish every channel)');
    expect(message({ device: 'bme280', channels: ['pressure', 'pressure'] })?.[0]).toBe('channels: names a value twice');
  });
});
