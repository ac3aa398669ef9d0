// The DS18B20 driver on 1-Wire fixture trees (test/fixtures/sysfs/w1/): the datasheet's
// temperature/data relationship (table 1) through the kernel's m°C, the +85 °C power-on reset
// value, CRC failures, a missing device, and an I/O error in the middle of a read.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createOneWireReader } from '../../src/hardware/one-wire/one-wire.js';
import { createDs18b20, ds18b20Celsius, ds18b20Driver, ds18b20Options, isPowerOnScratchpad } from '../../src/sensors/ds18b20.js';
import { noHardwareContext } from '../helpers/driver-context.js';

const root = (name: string): string => fileURLToPath(new URL(`../fixtures/sysfs/w1/${name}`, import.meta.url));
const DEVICE = '28-0316a2790dff';

async function createIn(fixture: string, deviceId = DEVICE) {
  const base = noHardwareContext();
  return ds18b20Driver.create(ds18b20Options.parse({ deviceId }), { ...base, hardware: { ...base.hardware, oneWireRoot: root(fixture) } });
}

describe('ds18b20Celsius (table 1, as the kernel prints it in m°C)', () => {
  it.each([
    [125000, 125], // 0x07D0
    [85000, 85], // 0x0550
    [25062, 25.0625], // 0x0191: 25062.5 truncated by the kernel
    [10125, 10.125], // 0x00A2
    [500, 0.5], // 0x0008
    [0, 0],
    [-500, -0.5], // 0xFFF8
    [-10125, -10.125], // 0xFF5E
    [-25062, -25.0625], // 0xFE6F
    [-55000, -55], // 0xFC90
  ])('t=%s → %s °C', (milliCelsius, celsius) => {
    expect(ds18b20Celsius(milliCelsius)).toBe(celsius);
  });
});

describe('the ds18b20 driver', () => {
  it('reads 21.5625 °C (t=21562) from a good device', async () => {
    expect(await (await createIn('good')).read()).toEqual({ temperature: 21.5625 });
  });

  it('reads a negative temperature: t=-10125 → -10.125 °C', async () => {
    expect(await (await createIn('negative', '28-0417c1b3f2ff')).read()).toEqual({ temperature: -10.125 });
  });

  it('rejects 85.000 °C right after power-up as the reset value, not a measurement', async () => {
    const sensor = await createIn('power-on-reset');
    await expect(sensor.read()).rejects.toThrow(/^SENSOR_NOT_READY: ds18b20 28-0316a2790dff: read 85.000 °C with the power-on scratchpad \(byte 6 0x0c\), the reset value, not a measurement/);
  });

  it('publishes a real conversion of exactly 85.0 °C (scratchpad byte 6 0x10, not the power-on 0x0c)', async () => {
    expect(await (await createIn('real-85')).read()).toEqual({ temperature: 85 });
  });

  it('tells the power-on scratchpad from a conversion by byte 6 only when the temperature is 85.0 °C', () => {
    const powerOn = [0x50, 0x05, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10, 0x1c];
    expect(isPowerOnScratchpad(85_000, powerOn)).toBe(true);
    expect(isPowerOnScratchpad(85_000, [...powerOn.slice(0, 6), 0x10, 0x10, 0xbd])).toBe(false);
    // +84.75 °C (0x054C) after a conversion has byte 6 = 0x10 - 0x0C = 0x04; a byte 6 of 0x0C alone is not the reset value.
    expect(isPowerOnScratchpad(84_750, [0x4c, 0x05, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10, 0x00])).toBe(false);
  });

  it('fails a reading outside the documented -55..+125 °C, naming the value and the range', async () => {
    const reader = { root: '/x', checkPresent: async () => {}, readMilliCelsius: async () => 127_937, readScratchpad: async () => ({ milliCelsius: 127_937, bytes: [0xff, 0x07, 0x4b, 0x46, 0x7f, 0xff, 0x01, 0x10, 0x00] }) };
    const sensor = await createDs18b20(reader, ds18b20Options.parse({ deviceId: DEVICE }));
    await expect(sensor.read()).rejects.toThrow(/^OUT_OF_RANGE: ds18b20 28-0316a2790dff: temperature 127\.9375 °C is outside the chip's documented range -55\.\.125 °C/);
  });

  it('fails with a CRC error after one retry', async () => {
    const sensor = await createIn('crc-no');
    await expect(sensor.read()).rejects.toThrow(/^CRC_MISMATCH: ds18b20 28-0316a2790dff: CRC check failed twice/);
  });

  it('fails at create when the device folder is missing, naming the id and dtoverlay=w1-gpio', async () => {
    await expect(createIn('good', '28-00000a1b2c3d')).rejects.toThrow(/^SENSOR_NOT_FOUND: ds18b20 28-00000a1b2c3d not found in .*dtoverlay=w1-gpio/);
  });

  it('rejects a read that hits an I/O error, and the next read works', async () => {
    let failNext = true;
    const reader = createOneWireReader(root('good'), async (path) => {
      if (failNext) {
        failNext = false;
        throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
      }
      return readFile(path, 'utf8');
    });
    const sensor = await createDs18b20(reader, { deviceId: DEVICE });
    await expect(sensor.read()).rejects.toThrow(/^W1_IO_ERROR: ds18b20 28-0316a2790dff: reading w1_slave failed \(EIO/);
    expect(await sensor.read()).toEqual({ temperature: 21.5625 });
  });

  it('requires a deviceId of family 28 as the kernel names it', () => {
    expect(ds18b20Options.parse({ deviceId: DEVICE })).toEqual({ deviceId: DEVICE });
    expect(ds18b20Options.safeParse({}).error?.issues[0]?.message).toBe('missing (expected a 1-Wire id such as 28-0316a2790dff)');
    expect(ds18b20Options.safeParse({ deviceId: '10-000802b4ba0e' }).success).toBe(false); // DS18S20
    expect(ds18b20Options.safeParse({ deviceId: '28-0316A2790DFF' }).success).toBe(false);
    expect(ds18b20Options.safeParse({ deviceId: '28-0316a2790d' }).success).toBe(false);
  });
});
