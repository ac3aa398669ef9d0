// The ADS1115 driver on simulated register maps (test/fixtures/regmaps/ads1115.yaml): the
// datasheet's output codes ("Data Format": 0x7FFF, 0x0001, 0x8000 at every FSR), the Config
// register bits written per input (MUX, PGA, MODE, DR, COMP_QUE), the conversion wait and the
// bounded OS poll, and the ways a chip fails.
import { describe, expect, it, vi } from 'vitest';
import { busError } from '../../src/hardware/i2c/i2c-bus.js';
import type { SimulatedI2cBus } from '../../src/hardware/i2c/simulated-i2c.js';
import { ads1115Config, ads1115Options, ads1115Volts, createAds1115, REG_CONFIG } from '../../src/sensors/word-register/ads1115.js';
import { busFromFixture, refusePlainTransfers } from './i2c-rig.js';

const ADDRESS = 0x48;
const FSRS = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256];
const noWait = async (): Promise<void> => undefined;
const parse = (raw: Record<string, unknown>) => ads1115Options.parse(raw);
/** Config register values the driver wrote (register 0x01, then MSB and LSB on the wire). */
const configWrites = (bus: SimulatedI2cBus): number[] =>
  bus.writes.filter((write) => write.bytes.length === 3 && write.bytes[0] === 0x01).map(({ bytes }) => ((bytes[1] ?? 0) << 8) | (bytes[2] ?? 0));

describe('ads1115Volts ("Data Format": one LSB = FSR / 2^15)', () => {
  it.each(FSRS)('at ±%s V: 0x7FFF = +FSR·(2^15−1)/2^15, 0x0001 = 1 LSB, 0 = 0, 0xFFFF = −1 LSB, 0x8000 = −FSR', (fsr) => {
    expect(ads1115Volts(0x7fff, fsr)).toBeCloseTo((fsr * 32767) / 32768, 12);
    expect(ads1115Volts(0x0001, fsr)).toBeCloseTo(fsr / 32768, 12);
    expect(ads1115Volts(0x0000, fsr)).toBe(0);
    expect(ads1115Volts(0xffff, fsr)).toBeCloseTo(-fsr / 32768, 12);
    expect(ads1115Volts(0x8000, fsr)).toBe(-fsr);
  });

  it('gives exact multiples of the LSB, without float noise: 125 µV steps at ±4.096 V', () => {
    expect(ads1115Volts(0x7fff, 4.096)).toBe(4.095875);
    expect(ads1115Volts(0x0001, 4.096)).toBe(0.000125);
    expect(ads1115Volts(0x2ee0, 4.096)).toBe(1.5);
    expect(ads1115Volts(0x0001, 0.256)).toBe(0.0000078125);
  });
});

describe('ads1115Config (Config register)', () => {
  it('sets OS, MUX, PGA, single-shot, DR and disables the comparator', () => {
    // 1 100 001 1 | 100 0 0 0 11: OS, AIN0–GND, ±4.096 V, single-shot, 128 SPS, COMP_QUE = 11
    expect(ads1115Config(0, 4.096, 128)).toBe(0xc383);
    // 1 100 101 1 | 111 0 0 0 11: ±0.256 V, 860 SPS
    expect(ads1115Config(0, 0.256, 860)).toBe(0xcbe3);
    // 1 100 000 1 | 000 0 0 0 11: ±6.144 V, 8 SPS
    expect(ads1115Config(0, 6.144, 8)).toBe(0xc103);
  });
});

describe('the ads1115 driver', () => {
  it('reads 1.5 V on input 0 from the shipped register map', async () => {
    const sensor = await createAds1115(await busFromFixture('ads1115.yaml'), parse({}), noWait);
    expect(await sensor.read()).toEqual({ voltage0: 1.5 });
  });

  it('works with SMBus word transfers only, as on the kernel\'s i2c-stub', async () => {
    const bus = await busFromFixture('ads1115.yaml');
    refusePlainTransfers(bus);
    expect(await (await createAds1115(bus, parse({ channels: [0, 1] }), noWait)).read()).toEqual({ voltage0: 1.5, voltage1: 1.5 });
    expect(bus.word(ADDRESS, REG_CONFIG)).toBe(0xd383); // the last config written: input 1, read back
  });

  it('writes the MUX bits of each input in turn, and names the values after the inputs', async () => {
    const bus = await busFromFixture('ads1115.yaml');
    const sensor = await createAds1115(bus, parse({ channels: [0, 1, 2, 3, '0-1', '0-3', '1-3', '2-3'] }), noWait);
    const values = await sensor.read();
    expect(configWrites(bus).map((config) => (config >> 12) & 0b111)).toEqual([0b100, 0b101, 0b110, 0b111, 0b000, 0b001, 0b010, 0b011]);
    expect(configWrites(bus)).toEqual([0xc383, 0xd383, 0xe383, 0xf383, 0x8383, 0x9383, 0xa383, 0xb383]);
    expect(Object.keys(values)).toEqual(['voltage0', 'voltage1', 'voltage2', 'voltage3', 'voltage0_1', 'voltage0_3', 'voltage1_3', 'voltage2_3']);
  });

  it('converts with the configured gain: 0x2EE0 is 0.09375 V at ±0.256 V', async () => {
    const bus = await busFromFixture('ads1115.yaml');
    const sensor = await createAds1115(bus, parse({ gain: 0.256, dataRate: 860 }), noWait);
    expect(await sensor.read()).toEqual({ voltage0: 0.09375 });
    expect(configWrites(bus)).toEqual([0xcbe3]);
  });

  it('reads a negative differential input', async () => {
    const bus = await busFromFixture('ads1115.yaml');
    bus.setRegisters(ADDRESS, 0x00, [0xd1, 0x20]); // -12000 codes
    const sensor = await createAds1115(bus, parse({ channels: ['2-3'] }), noWait);
    expect(await sensor.read()).toEqual({ voltage2_3: -1.5 });
  });

  it('waits one conversion time (1/DR plus 10 %) before polling OS', async () => {
    const waits: number[] = [];
    const record = async (ms: number): Promise<void> => void waits.push(ms);
    await (await createAds1115(await busFromFixture('ads1115.yaml'), parse({ dataRate: 8 }), record)).read();
    await (await createAds1115(await busFromFixture('ads1115.yaml'), parse({ dataRate: 860 }), record)).read();
    expect(waits).toEqual([139, 3]); // ceil(125 × 1.1) + 1, ceil(1.163 × 1.1) + 1
  });

  it('gives up after a bounded number of OS polls when the conversion never finishes', async () => {
    const bus = await busFromFixture('ads1115.yaml');
    // OS = 0 whatever is written: a conversion in progress, for ever.
    const writeWord = bus.writeWord.bind(bus);
    vi.spyOn(bus, 'writeWord').mockImplementation(async (address, register, word) => {
      await writeWord(address, register, word);
      if (register === REG_CONFIG) bus.setRegisters(ADDRESS, REG_CONFIG, [0x45, 0x83]);
    });
    const waits: number[] = [];
    const sensor = await createAds1115(bus, parse({}), async (ms) => void waits.push(ms));
    await expect(sensor.read()).rejects.toThrow(/^MEASUREMENT_TIMEOUT: ads1115 at 0x48 on bus 1: conversion of input 0 not done/);
    expect(waits).toEqual([10, ...Array<number>(10).fill(1)]);
  });

  it('rejects a read that hits an I/O error on the second input, and the next read works', async () => {
    const bus = await busFromFixture('ads1115.yaml');
    const sensor = await createAds1115(bus, parse({ channels: [0, 1] }), noWait);
    const writeWord = bus.writeWord.bind(bus);
    vi.spyOn(bus, 'writeWord').mockImplementation(async (address, register, word) => {
      // The SMBus word's low byte goes first on the wire: the config MSB, 0xD3 to start input 1.
      if (register === REG_CONFIG && (word & 0xff) === 0xd3) throw busError('EIO', 5, 'Input/output error');
      return writeWord(address, register, word);
    });
    await expect(sensor.read()).rejects.toThrow(/^I2C_IO_ERROR: ads1115 at 0x48 on bus 1: starting a conversion of input 1 failed \(EIO/);
    vi.mocked(bus.writeWord).mockRestore();
    expect(await sensor.read()).toEqual({ voltage0: 1.5, voltage1: 1.5 });
  });

  it('takes 0x48..0x4B, input 0, ±4.096 V and 128 SPS by default, and refuses unknown inputs', () => {
    expect(parse({})).toEqual({ bus: 1, address: 0x48, channels: [0], gain: 4.096, dataRate: 128 });
    expect(parse({ address: '0x4b' }).address).toBe(0x4b);
    expect(ads1115Options.safeParse({ address: '0x4c' }).success).toBe(false);
    expect(ads1115Options.safeParse({ channels: [4] }).success).toBe(false);
    expect(ads1115Options.safeParse({ channels: ['1-2'] }).success).toBe(false);
    expect(ads1115Options.safeParse({ channels: [0, 0] }).success).toBe(false);
    expect(ads1115Options.safeParse({ channels: [] }).success).toBe(false);
    expect(ads1115Options.safeParse({ gain: 3.3 }).success).toBe(false);
    expect(ads1115Options.safeParse({ dataRate: 100 }).success).toBe(false);
  });
});
