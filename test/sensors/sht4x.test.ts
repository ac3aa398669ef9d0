// The SHT4x driver on simulated buses: high-precision measurement (0xFD), conversion with the
// datasheet formulas (SHT4x section 4.6, humidity cropped to 0..100 %RH), the serial-number check
// at create, and CRC, wiring and I/O failures.
import { describe, expect, it, vi } from 'vitest';
import { sht4xConvert, sht4xDriver, sht4xOptions } from '../../src/sensors/sensirion/sht4x.js';
import { busFromFixture, createOn } from './i2c-rig.js';

const ROOM = { temperature: 21.5, humidity: 45 };

describe('the sht4x driver', () => {
  it('converts known raw words: 0x6666 → 25.00 °C, 0x8000 → 56.50 %RH, and crops humidity to 0..100', () => {
    expect(sht4xConvert(0x6666, 0x8000)).toEqual({ temperature: 25, humidity: 56.5 });
    expect(sht4xConvert(0xffff, 0xffff)).toEqual({ temperature: 130, humidity: 100 }); // -6 + 125 = 119 → 100
    expect(sht4xConvert(0, 0)).toEqual({ temperature: -45, humidity: 0 }); // -6 → 0
  });

  it('reads a room from the shipped register map: 21.50 °C, 45.00 %RH', async () => {
    const bus = await busFromFixture('sht4x.yaml');
    const sensor = await createOn(sht4xDriver, bus);
    expect(bus.writes).toEqual([{ address: 0x44, bytes: [0x89] }]); // the serial number, at create
    bus.writes.length = 0;
    expect(await sensor.read()).toEqual(ROOM);
    expect(bus.writes).toEqual([{ address: 0x44, bytes: [0xfd] }]);
  });

  it('rejects a chip whose serial-number answer fails its CRC (not an SHT4x), unless checkSerial is off', async () => {
    const bus = await busFromFixture('sht4x.yaml');
    bus.setCommand(0x44, 0x89, [0x0f, 0x4d, 0x69, 0x2c, 0x83, 0x00]);
    await expect(createOn(sht4xDriver, bus)).rejects.toThrow(/^CRC_MISMATCH: sht4x at 0x44 on bus 1: read serial number: CRC error in word 2/);
    const sensor = await createOn(sht4xDriver, bus, { checkSerial: false });
    expect(await sensor.read()).toEqual(ROOM);
  });

  it('rejects a measurement with a CRC error', async () => {
    const bus = await busFromFixture('sht4x.yaml');
    const sensor = await createOn(sht4xDriver, bus);
    bus.setCommand(0x44, 0xfd, [0x61, 0x47, 0x8b, 0x68, 0x72, 0x79]);
    await expect(sensor.read()).rejects.toThrow(
      'CRC_MISMATCH: sht4x at 0x44 on bus 1: high-precision measurement: CRC error in word 1 (0x6147: got CRC 0x8b, expected 0x8a)',
    );
  });

  it('reports a chip that never finishes (NACKs every read) without calling it missing', async () => {
    const bus = await busFromFixture('sht4x.yaml');
    const sensor = await createOn(sht4xDriver, bus);
    const nack = Object.assign(new Error('EREMOTEIO: Remote I/O error'), { code: 'EREMOTEIO', errno: 121 });
    vi.spyOn(bus, 'i2cRead').mockRejectedValue(nack);
    await expect(sensor.read()).rejects.toThrow(/^I2C_IO_ERROR: sht4x at 0x44 on bus 1: high-precision measurement: no result 16 ms after the command/);
  });

  it('takes 0x44 by default, 0x45 or 0x46 for the -B and -C variants', () => {
    expect(sht4xOptions.parse({})).toEqual({ bus: 1, address: 0x44, checkSerial: true });
    expect(sht4xOptions.parse({ address: '0x46' }).address).toBe(0x46);
    expect(sht4xOptions.safeParse({ address: '0x47' }).success).toBe(false);
  });
});
