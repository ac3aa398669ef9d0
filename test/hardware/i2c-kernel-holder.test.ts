// Which I2C chips a kernel driver holds, from a tree laid out as /sys/bus/i2c/devices
// (test/fixtures/sysfs/i2c-devices/): the `driver` link, the client's name, and the IIO or hwmon
// device it publishes; and what a direct driver reports when /dev/i2c-N refuses the address (EBUSY).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeHolder, kernelHolderAt, kernelHoldersOn } from '../../src/hardware/i2c/i2c-kernel-holder.js';
import { i2cError } from '../../src/sensors/i2c-device.js';

const ROOT = fileURLToPath(new URL('../fixtures/sysfs/i2c-devices', import.meta.url));

describe('kernel drivers holding I2C chips', () => {
  it('finds the bound clients of a bus with the device each publishes, and not an unbound one', async () => {
    expect(await kernelHoldersOn(1, ROOT)).toEqual([
      { address: 0x18, driver: 'jc42', client: 'jc42', publishedAs: { agentDriver: 'hwmon', device: 'jc42' } },
      { address: 0x76, driver: 'bmp280', client: 'bme280', publishedAs: { agentDriver: 'iio', device: 'bme280' } },
    ]);
    expect(await kernelHolderAt(1, 0x48, ROOT)).toBeUndefined();
    expect(await kernelHolderAt(1, 0x77, ROOT)).toBeUndefined();
    expect(await kernelHoldersOn(3, ROOT)).toEqual([{ address: 0x77, driver: 'bmp280', client: 'bmp280' }]);
    expect(await kernelHoldersOn(1, '/nonexistent/i2c')).toEqual([]);
  });

  it('says the direct drivers cannot use a held chip and which driver and device to use', async () => {
    const holder = await kernelHolderAt(1, 0x76, ROOT);
    expect(describeHolder(holder!)).toBe("held by the kernel's bmp280 driver (bme280): the direct drivers cannot use it (the kernel owns it); use driver: iio, device: bme280");
  });

  it('turns EBUSY from /dev/i2c-N into I2C_ADDRESS_BUSY naming the way out', () => {
    const error = i2cError({ driver: 'bme280', bus: 1, address: 0x76 }, 'reading the chip id', Object.assign(new Error('EBUSY, Device or resource busy'), { code: 'EBUSY' }));
    expect(error.code).toBe('I2C_ADDRESS_BUSY');
    expect(error.message).toMatch(/^I2C_ADDRESS_BUSY: bme280: 0x76 on bus 1 is held by a kernel driver .*use driver: iio or hwmon/);
  });
});
