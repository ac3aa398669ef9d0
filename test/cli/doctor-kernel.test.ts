// doctor's kernel-driver checks on fixture trees: a direct driver configured for a chip the kernel
// holds (test/fixtures/sysfs/i2c-devices/), and the IIO/hwmon devices the iio/hwmon sensors name
// (test/fixtures/sysfs/iio/, hwmon/): found, or absent with the overlay line.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { checkKernelDrivers } from '../../src/cli/doctor-kernel.js';

const fixture = (path: string): string => fileURLToPath(new URL(`../fixtures/sysfs/${path}`, import.meta.url));

function config(sensors: unknown[]) {
  const hardware = { i2cDevicesRoot: fixture('i2c-devices'), iioRoot: fixture('iio/bme280'), hwmonRoot: fixture('hwmon/two-devices') };
  return parseConfig({ hardware, sensors }, { env: {}, baseDir: '/', hostname: 'h' });
}

describe('doctor: chips the kernel drives', () => {
  it('fails a direct driver whose chip a kernel driver holds, naming the iio/hwmon driver and device to use', async () => {
    const results = await checkKernelDrivers(config([
      { id: 'air', driver: 'bme280', address: 0x76 },
      { id: 'board', driver: 'mcp9808', address: 0x18 },
      { id: 'adc', driver: 'ads1115', address: 0x48 },
    ]));
    expect(results).toEqual([
      {
        verdict: 'fail',
        what: "bme280 sensor air: 0x76 on /dev/i2c-1 is held by the kernel's bmp280 driver (bme280): the direct drivers cannot use it (the kernel owns it); use driver: iio, device: bme280",
        fix: 'set driver: iio and device: bme280 for air, or remove the dtoverlay=i2c-sensor line that binds the chip',
        sensors: ['air'],
      },
      expect.objectContaining({ verdict: 'fail', what: expect.stringMatching(/^mcp9808 sensor board: 0x18 on \/dev\/i2c-1 is held by the kernel's jc42 driver/), fix: expect.stringMatching(/^set driver: hwmon and device: jc42 for board/) }),
    ]);
  });

  it('checks the devices iio and hwmon sensors name: there, or absent with the dtoverlay line', async () => {
    const results = await checkKernelDrivers(config([
      { id: 'air', driver: 'iio', device: 'bme280' },
      { id: 'case', driver: 'hwmon', device: 'lm75' },
      { id: 'probe', driver: 'hwmon', device: 'tmp102' },
    ]));
    expect(results).toEqual([
      { verdict: 'ok', what: `IIO device bme280 is ${fixture('iio/bme280')}/iio:device0` },
      { verdict: 'ok', what: `hwmon device lm75 is ${fixture('hwmon/two-devices')}/hwmon1` },
      {
        verdict: 'fail',
        what: `hwmon device tmp102 not found in ${fixture('hwmon/two-devices')} (present: hwmon0 (cpu_thermal), hwmon1 (lm75)): the chip is absent or its kernel driver is not bound`,
        fix: expect.stringMatching(/^add dtoverlay=i2c-sensor,tmp102 /),
        sensors: ['probe'],
      },
    ]);
  });
});
