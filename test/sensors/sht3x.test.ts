// The SHT3x driver and the Sensirion CRC on simulated buses: the datasheet's CRC example
// (SHT3x-DIS section 4.12: CRC(0xBEEF) = 0x92), conversion of known raw words (section 4.13),
// the single-shot command and its wait, and CRC, wiring and I/O failures.
import { describe, expect, it, vi } from 'vitest';
import { busError } from '../../src/hardware/i2c/i2c-bus.js';
import { sensirionCrc8, sensirionWords } from '../../src/sensors/sensirion/protocol.js';
import { sht3xConvert, sht3xDriver, sht3xOptions } from '../../src/sensors/sensirion/sht3x.js';
import { busFromFixture, createOn } from './i2c-rig.js';

const ROOM = { temperature: 21.5, humidity: 45 };

describe('the Sensirion CRC-8', () => {
  it('matches the datasheet example: CRC(0xBEEF) = 0x92', () => {
    expect(sensirionCrc8([0xbe, 0xef])).toBe(0x92);
  });

  it('returns the words of a response whose CRCs match, and names the word whose CRC does not', () => {
    expect(sensirionWords(Buffer.from([0xbe, 0xef, 0x92, 0x66, 0x66, 0x93]), 2, 'x')).toEqual([0xbeef, 0x6666]);
    expect(() => sensirionWords(Buffer.from([0xbe, 0xef, 0x92, 0x66, 0x66, 0x94]), 2, 'sht3x at 0x44 on bus 1: test')).toThrow(
      'CRC_MISMATCH: sht3x at 0x44 on bus 1: test: CRC error in word 2 (0x6666: got CRC 0x94, expected 0x93)',
    );
  });
});

describe('the sht3x driver', () => {
  it('converts known raw words: 0x6666 → 25.00 °C, 0x8000 → 50.00 %RH', () => {
    expect(sht3xConvert(0x6666, 0x8000)).toEqual({ temperature: 25, humidity: 50 });
    expect(sht3xConvert(0, 0)).toEqual({ temperature: -45, humidity: 0 });
    expect(sht3xConvert(0xffff, 0xffff)).toEqual({ temperature: 130, humidity: 100 });
  });

  it('reads a room from the shipped register map: 21.50 °C, 45.00 %RH', async () => {
    const sensor = await createOn(sht3xDriver, await busFromFixture('sht3x.yaml'));
    expect(await sensor.read()).toEqual(ROOM);
  });

  it('reads known raw words end to end: 0x6666/0x8000 → 25.00 °C, 50.00 %RH', async () => {
    const bus = await busFromFixture('sht3x.yaml');
    bus.setCommand(0x44, 0x2400, [0x66, 0x66, 0x93, 0x80, 0x00, 0xa2]);
    const sensor = await createOn(sht3xDriver, bus);
    expect(await sensor.read()).toEqual({ temperature: 25, humidity: 50 });
  });

  it('fails a reading above the documented -40..125 °C (0xFFFF → 130 °C) and clamps humidity to 100 %RH', async () => {
    const bus = await busFromFixture('sht3x.yaml');
    const word = (high: number, low: number): number[] => [high, low, sensirionCrc8([high, low])];
    bus.setCommand(0x44, 0x2400, [...word(0xff, 0xff), ...word(0x80, 0x00)]);
    const sensor = await createOn(sht3xDriver, bus);
    await expect(sensor.read()).rejects.toThrow("OUT_OF_RANGE: sht3x at 0x44 on bus 1: temperature 130 °C is outside the chip's documented range -40..125 °C");
    bus.setCommand(0x44, 0x2400, [...word(0x66, 0x66), ...word(0xff, 0xff)]);
    expect(await sensor.read()).toEqual({ temperature: 25, humidity: 100 });
  });

  it('sends single shot, high repeatability, no clock stretching (0x2400) and waits at least 15 ms before reading', async () => {
    const bus = await busFromFixture('sht3x.yaml');
    const sensor = await createOn(sht3xDriver, bus);
    let commandAt = 0;
    let readAt = 0;
    const write = bus.i2cWrite.bind(bus);
    const read = bus.i2cRead.bind(bus);
    vi.spyOn(bus, 'i2cWrite').mockImplementation(async (address, bytes) => {
      commandAt = performance.now();
      return write(address, bytes);
    });
    vi.spyOn(bus, 'i2cRead').mockImplementation(async (address, length) => {
      readAt = performance.now();
      return read(address, length);
    });
    bus.writes.length = 0;
    await sensor.read();
    expect(bus.writes).toEqual([{ address: 0x44, bytes: [0x24, 0x00] }]);
    expect(readAt - commandAt).toBeGreaterThanOrEqual(15);
  });

  it('retries the read while the chip still NACKs it (measurement not finished)', async () => {
    const bus = await busFromFixture('sht3x.yaml');
    const sensor = await createOn(sht3xDriver, bus);
    vi.spyOn(bus, 'i2cRead').mockRejectedValueOnce(busError('EREMOTEIO', 121, 'Remote I/O error'));
    expect(await sensor.read()).toEqual(ROOM);
  });

  it('rejects a response with a CRC error, saying which word and why', async () => {
    const bus = await busFromFixture('sht3x.yaml');
    const sensor = await createOn(sht3xDriver, bus);
    bus.setCommand(0x44, 0x2400, [0x61, 0x47, 0x8a, 0x73, 0x33, 0x02]);
    await expect(sensor.read()).rejects.toThrow(
      'CRC_MISMATCH: sht3x at 0x44 on bus 1: single-shot measurement: CRC error in word 2 (0x7333: got CRC 0x02, expected 0x01); check wiring, pull-ups and cable length',
    );
  });

  it('takes 0x44 (ADDR low) by default, or 0x45', () => {
    expect(sht3xOptions.parse({})).toEqual({ bus: 1, address: 0x44 });
    expect(sht3xOptions.parse({ address: '0x45' }).address).toBe(0x45);
    expect(sht3xOptions.safeParse({ address: '0x46' }).success).toBe(false);
  });
});
