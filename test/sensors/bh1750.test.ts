// The BH1750 driver on simulated register maps (test/fixtures/regmaps/bh1750.yaml): the datasheet's
// example (0x8390 → 28067 lx), the instruction sequence with MTreg, the measurement wait, and the
// ways a chip fails. The BH1750 has no id register to check.
import { describe, expect, it, vi } from 'vitest';
import { busError } from '../../src/hardware/i2c/i2c-bus.js';
import type { SimulatedI2cBus } from '../../src/hardware/i2c/simulated-i2c.js';
import { bh1750Lux, bh1750Options, createBh1750 } from '../../src/sensors/bh1750.js';
import { busFromFixture } from './i2c-rig.js';

const ADDRESS = 0x23;
const noWait = async (): Promise<void> => undefined;
const parse = (raw: Record<string, unknown>) => bh1750Options.parse(raw);
const instructions = (bus: SimulatedI2cBus): number[] => bus.writes.map((write) => write.bytes[0] ?? -1);

describe('bh1750Lux', () => {
  it('converts the datasheet example: 0x8390 = 33680 counts / 1.2 ≈ 28067 lx', () => {
    expect(bh1750Lux(0x8390, 'high', 69)).toBeCloseTo(28066.67, 2);
  });

  it('scales by 69 / MTreg and halves in H-resolution mode 2', () => {
    expect(bh1750Lux(1200, 'high', 138)).toBe(500);
    expect(bh1750Lux(1200, 'high2', 69)).toBe(500);
    // The datasheet's finest step: H-resolution mode 2 at MTreg 254, 0.11 lx per count.
    expect(bh1750Lux(1, 'high2', 254)).toBeCloseTo(0.11, 2);
  });
});

describe('the bh1750 driver', () => {
  it('reads an office from the shipped register map in every mode: 420 lx', async () => {
    for (const mode of ['high', 'high2', 'low']) {
      const sensor = await createBh1750(await busFromFixture('bh1750.yaml'), parse({ mode }), noWait);
      expect(await sensor.read()).toEqual({ illuminance: 420 });
    }
  });

  it('reads the datasheet example through the bus, to 0.1 lx (one count is 0.83 lx)', async () => {
    const bus = await busFromFixture('bh1750.yaml');
    bus.setCommand(ADDRESS, 0x20, [0x83, 0x90]);
    const sensor = await createBh1750(bus, parse({}), noWait);
    expect(await sensor.read()).toEqual({ illuminance: 28066.7 });
  });

  it('powers down at create, then per read: power on, MTreg, one-time H-resolution measurement', async () => {
    const bus = await busFromFixture('bh1750.yaml');
    const sensor = await createBh1750(bus, parse({}), noWait);
    await sensor.read();
    // MTreg 69 = 010_00101: 0x40 | 0b010, 0x60 | 0b00101
    expect(instructions(bus)).toEqual([0x00, 0x01, 0x42, 0x65, 0x20]);
  });

  it('writes MTreg 138 as 0x44, 0x6A and doubles the sensitivity', async () => {
    const bus = await busFromFixture('bh1750.yaml');
    const sensor = await createBh1750(bus, parse({ mtreg: 138 }), noWait);
    expect(await sensor.read()).toEqual({ illuminance: 210 });
    expect(instructions(bus).slice(2, 4)).toEqual([0x44, 0x6a]);
  });

  it('sends 0x21 for H-resolution mode 2 and 0x23 for L-resolution mode', async () => {
    for (const [mode, command] of [['high2', 0x21], ['low', 0x23]] as const) {
      const bus = await busFromFixture('bh1750.yaml');
      await (await createBh1750(bus, parse({ mode }), noWait)).read();
      expect(instructions(bus).at(-1)).toBe(command);
    }
  });

  it('waits the maximum measurement time scaled by MTreg / 69', async () => {
    const waits: number[] = [];
    const record = async (ms: number): Promise<void> => void waits.push(ms);
    for (const options of [{}, { mode: 'low' }, { mtreg: 138 }, { mode: 'high2', mtreg: 254 }, { mtreg: 31 }]) {
      await (await createBh1750(await busFromFixture('bh1750.yaml'), parse(options), record)).read();
    }
    expect(waits).toEqual([180, 24, 360, 663, 81]);
  });

  it('rejects a read whose result transfer fails after the measurement started, and the next read works', async () => {
    const bus = await busFromFixture('bh1750.yaml');
    const sensor = await createBh1750(bus, parse({}), noWait);
    vi.spyOn(bus, 'i2cRead').mockRejectedValueOnce(busError('EIO', 5, 'Input/output error'));
    await expect(sensor.read()).rejects.toThrow(/^I2C_IO_ERROR: bh1750 at 0x23 on bus 1: reading the measurement failed \(EIO/);
    bus.failNext(ADDRESS);
    await expect(sensor.read()).rejects.toMatchObject({ code: 'I2C_IO_ERROR', message: expect.stringContaining('sending power on failed') });
    expect(await sensor.read()).toEqual({ illuminance: 420 });
  });

  it('takes 0x23 or 0x5C, mode high and MTreg 69 by default, MTreg 31..254', () => {
    expect(parse({})).toEqual({ bus: 1, address: 0x23, mode: 'high', mtreg: 69 });
    expect(parse({ address: 92 }).address).toBe(0x5c);
    expect(bh1750Options.safeParse({ address: '0x24' }).success).toBe(false);
    expect(bh1750Options.safeParse({ mtreg: 30 }).success).toBe(false);
    expect(bh1750Options.safeParse({ mtreg: 255 }).success).toBe(false);
    expect(bh1750Options.safeParse({ mode: 'continuous' }).success).toBe(false);
  });
});
