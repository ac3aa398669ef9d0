// The INA219 driver on simulated register maps (test/fixtures/regmaps/ina219.yaml): the datasheet's
// calibration (SBOS448G section 8.5.1, equations 1..3) with its worked numbers, the register
// decoding (section 8.6.3), the math overflow flag, and the ways a chip fails.
import { describe, expect, it, vi } from 'vitest';
import { busError } from '../../src/hardware/i2c/i2c-bus.js';
import { createIna219, ina219Calibration, ina219Options, ina219OptionsProblem } from '../../src/sensors/word-register/ina219.js';
import { busFromFixture, refusePlainTransfers } from './i2c-rig.js';

const ADDRESS = 0x40;
const noWait = async (): Promise<void> => undefined;
const ROOM = { voltage: 12, shuntVoltage: 0.12, current: 1.1999, power: 14.398 };
const parse = (raw: Record<string, unknown>) => ina219Options.parse(raw);

describe('ina219Calibration (section 8.5.1)', () => {
  it('reproduces the calibration example: 32 V, 0.1 Ω, 2 A expected, Current_LSB 100 µA → Cal 4096, Power_LSB 2 mW', () => {
    // The example picks a round LSB between 2 A / 32767 (61 µA) and 2 A / 4096 (488 µA).
    const result = ina219Calibration({ shuntOhms: 0.1, maxCurrent: 2, busRange: 32, currentLsb: 0.0001 });
    expect(result.currentLsb).toBeCloseTo(0.0001, 12);
    expect(result.calibration).toBe(4096); // trunc(0.04096 / (0.0001 × 0.1))
    expect(result.powerLsb).toBeCloseTo(0.002, 12); // 20 × Current_LSB (equation 3)
    expect(result.configuration).toBe(0x399f); // the power-on default: 32 V, PGA /8, 12-bit, continuous
  });

  it('takes equation 2 when no currentLsb is set, for 2 A expected: Current_LSB 61.04 µA, Cal 6710', () => {
    const result = ina219Calibration({ shuntOhms: 0.1, maxCurrent: 2, busRange: 32 });
    expect(result.currentLsb).toBe(2 / 32768);
    expect(result.calibration).toBe(6710); // trunc(6710.886)
  });

  it('calibrates the defaults (0.1 Ω, 3.2 A) to Cal 4194', () => {
    expect(ina219Calibration(parse({})).calibration).toBe(4194);
  });

  it('keeps bit 0 of the calibration clear (FS0 is not used)', () => {
    // 0.04096 / (1 / 32768 × 0.1) = 13421.77 → 13421 → 13420
    expect(ina219Calibration({ shuntOhms: 0.1, maxCurrent: 1, busRange: 32 }).calibration).toBe(13420);
  });

  it('picks the smallest PGA range that holds maxCurrent × shuntOhms, and the 16 V range', () => {
    expect(ina219Calibration({ shuntOhms: 0.1, maxCurrent: 0.4, busRange: 32 }).configuration).toBe(0x219f); // 40 mV, /1
    expect(ina219Calibration({ shuntOhms: 0.1, maxCurrent: 0.8, busRange: 32 }).configuration).toBe(0x299f); // 80 mV, /2
    expect(ina219Calibration({ shuntOhms: 0.1, maxCurrent: 1.6, busRange: 16 }).configuration).toBe(0x119f); // 160 mV, /4, 16 V
  });

  it('explains options the chip cannot measure', () => {
    expect(ina219OptionsProblem({ shuntOhms: 0.1, maxCurrent: 5, busRange: 32 })).toMatch(/500 mV across 0.1 Ω, beyond the 320 mV shunt range/);
    expect(ina219OptionsProblem({ shuntOhms: 0.1, maxCurrent: 0.01, busRange: 32 })).toMatch(/too small for 0.1 Ω/);
    expect(ina219OptionsProblem({ shuntOhms: 0.1, maxCurrent: 2, busRange: 32, currentLsb: 0.00005 })).toMatch(/cannot count up to maxCurrent 2 A in 15 bits/);
    expect(ina219OptionsProblem({ shuntOhms: 0.1, maxCurrent: 2, busRange: 32, currentLsb: 0.0001 })).toBeUndefined();
    expect(ina219OptionsProblem({ shuntOhms: 0.1, maxCurrent: 3.2, busRange: 32 })).toBeUndefined();
  });
});

describe('the ina219 driver', () => {
  it('writes the configuration and calibration registers MSB first at create', async () => {
    const bus = await busFromFixture('ina219.yaml');
    await createIna219(bus, parse({}), noWait);
    expect(bus.writes).toEqual([
      { address: ADDRESS, bytes: [0x00, 0x39, 0x9f] },
      { address: ADDRESS, bytes: [0x05, 0x10, 0x62] },
    ]);
  });

  it('works with SMBus word transfers only, as on the kernel\'s i2c-stub', async () => {
    const bus = await busFromFixture('ina219.yaml');
    refusePlainTransfers(bus);
    expect(await (await createIna219(bus, parse({}), noWait)).read()).toEqual(ROOM);
  });

  it('reads a 12 V supply feeding 1.2 A from the shipped register map', async () => {
    const sensor = await createIna219(await busFromFixture('ina219.yaml'), parse({}), noWait);
    expect(await sensor.read()).toEqual(ROOM);
  });

  it('decodes the example calibration: shunt 12000 → 120 mV, current 12000 → 1.2 A, power 7200 → 14.4 W', async () => {
    const bus = await busFromFixture('ina219.yaml');
    bus.setRegisters(ADDRESS, 0x04, [0x2e, 0xe0]); // equation 4: 12000 × 4096 / 4096
    bus.setRegisters(ADDRESS, 0x03, [0x1c, 0x20]); // equation 5: 12000 × 3000 / 5000
    const sensor = await createIna219(bus, parse({ maxCurrent: 2, currentLsb: 0.0001 }), noWait);
    expect(bus.word(ADDRESS, 0x05)).toBe(4096); // Cal as the driver programmed it, read back at each read
    expect(await sensor.read()).toEqual({ voltage: 12, shuntVoltage: 0.12, current: 1.2, power: 14.4 });
  });

  it('reads negative shunt voltage and current (two\'s complement)', async () => {
    const bus = await busFromFixture('ina219.yaml');
    bus.setRegisters(ADDRESS, 0x01, [0xd1, 0x20]); // -12000
    bus.setRegisters(ADDRESS, 0x04, [0xd0, 0x01]); // -12287
    const values = await (await createIna219(bus, parse({}), noWait)).read();
    expect(values).toMatchObject({ shuntVoltage: -0.12, current: -1.1999 });
  });

  it('reads 32 V full scale on the bus (0xFA00 >> 3 = 8000 × 4 mV), ignoring CNVR', async () => {
    const bus = await busFromFixture('ina219.yaml');
    bus.setRegisters(ADDRESS, 0x02, [0xfa, 0x02]);
    expect((await (await createIna219(bus, parse({}), noWait)).read()).voltage).toBe(32);
  });

  it('rejects a reading with the math overflow flag (OVF) set, and recovers when it clears', async () => {
    const bus = await busFromFixture('ina219.yaml');
    const sensor = await createIna219(bus, parse({}), noWait);
    bus.setRegisters(ADDRESS, 0x02, [0x5d, 0xc3]);
    await expect(sensor.read()).rejects.toThrow(/^SENSOR_OVERFLOW: ina219 at 0x40 on bus 1: math overflow \(OVF\).*maxCurrent 3.2 A/);
    bus.setRegisters(ADDRESS, 0x02, [0x5d, 0xc2]);
    expect(await sensor.read()).toEqual(ROOM);
  });

  it('notices a chip that lost its calibration (reset) instead of reading 0 A for ever', async () => {
    const bus = await busFromFixture('ina219.yaml');
    const sensor = await createIna219(bus, parse({}), noWait);
    bus.setRegisters(ADDRESS, 0x05, [0x00, 0x00]);
    await expect(sensor.read()).rejects.toMatchObject({ code: 'SENSOR_RESET', message: expect.stringContaining('calibration register reads 0, not 4194') });
  });

  it('refuses options beyond the shunt range at create', async () => {
    const bus = await busFromFixture('ina219.yaml');
    await expect(createIna219(bus, parse({ maxCurrent: 10 }), noWait)).rejects.toThrow(/^BAD_OPTIONS: ina219 at 0x40 on bus 1: maxCurrent 10 A gives 1000 mV/);
    expect(bus.writes).toEqual([]);
  });

  it('rejects a read that hits an I/O error halfway through the registers, and the next read works', async () => {
    const bus = await busFromFixture('ina219.yaml');
    const sensor = await createIna219(bus, parse({}), noWait);
    const readWord = bus.readWord.bind(bus);
    let reads = 0;
    vi.spyOn(bus, 'readWord').mockImplementation(async (address, register) => {
      reads += 1;
      if (reads === 3) throw busError('EIO', 5, 'Input/output error'); // calibration, bus voltage, then shunt voltage
      return readWord(address, register);
    });
    await expect(sensor.read()).rejects.toThrow(/^I2C_IO_ERROR: ina219 at 0x40 on bus 1: reading the shunt voltage failed \(EIO/);
    expect(await sensor.read()).toEqual(ROOM);
  });

  it('takes 0x40..0x4F, 0.1 Ω, 3.2 A and the 32 V range by default', () => {
    expect(parse({})).toEqual({ bus: 1, address: 0x40, shuntOhms: 0.1, maxCurrent: 3.2, busRange: 32 });
    expect(parse({ address: '0x4f' }).address).toBe(0x4f);
    expect(ina219Options.safeParse({ address: '0x50' }).success).toBe(false);
    expect(ina219Options.safeParse({ busRange: 24 }).success).toBe(false);
    expect(ina219Options.safeParse({ shuntOhms: 0 }).success).toBe(false);
  });
});
