// What every I2C driver promises, checked from its register map the same way for each one
// (test/sensors/i2c-drivers.test.ts runs it for every I2C driver in the registry): the datasheet
// values from the shipped map, with the names and at most the decimals its definition declares;
// SENSOR_NOT_FOUND naming driver, address and bus when no chip is at the address; and a read that
// hits an I/O error rejects with I2C_IO_ERROR while the next read works again.
import { describe, expect, it } from 'vitest';
import { hex } from '../../src/hardware/i2c/i2c-bus.js';
import type { DriverDefinition, Values } from '../../src/sensors/types.js';
import { busFromFixture, createOn } from './i2c-rig.js';

export interface I2cDriverCase {
  /** test/fixtures/regmaps/<fixture>: the chip at the driver's default address. */
  fixture: string;
  /** Options as in a config file; the defaults when absent. */
  options?: Record<string, unknown>;
  /** What the datasheet (or the map's comment) says the map's registers mean. */
  values: Values;
  /** The step a read takes first, which an I/O error there names: "writing ctrl_hum". */
  firstStep: string;
}

const decimalsOf = (value: number): number => (Number.isInteger(value) ? 0 : String(value).split('.')[1]?.length ?? 0);

export function describeI2cDriverContract(driver: DriverDefinition, testCase: I2cDriverCase): void {
  const addresses = driver.i2c?.addresses ?? [];
  const options = testCase.options ?? {};

  describe(`the ${driver.name} driver's I2C contract`, () => {
    it('reads the datasheet values from its register map, with the names and decimals its definition declares', async () => {
      const sensor = await createOn(driver, await busFromFixture(testCase.fixture), options);
      const values = await sensor.read();
      expect(values).toEqual(testCase.values);
      const declared = driver.values?.(driver.options.parse(options)) ?? {};
      expect(Object.keys(values).sort()).toEqual(Object.keys(declared).sort());
      for (const [name, value] of Object.entries(values)) expect(decimalsOf(value), name).toBeLessThanOrEqual(declared[name]?.decimals ?? 0);
    });

    it('says SENSOR_NOT_FOUND with driver, address and bus when no chip is at the address, and points to scan-i2c', async () => {
      const bus = await busFromFixture(testCase.fixture);
      const present = new Set(await bus.scan());
      const empty = addresses.find((address) => !present.has(address));
      expect(empty, `an address of ${driver.name} with no chip in ${testCase.fixture}`).toBeDefined();
      const address = empty ?? 0;
      await expect(createOn(driver, bus, { ...options, address: hex(address) })).rejects.toThrow(
        `SENSOR_NOT_FOUND: ${driver.name}: no device at ${hex(address)} on bus 1 (check wiring, power and the address; run 'sensor-agent scan-i2c --bus 1')`,
      );
    });

    it('rejects a read that hits an I/O error with I2C_IO_ERROR, and the next read works', async () => {
      const bus = await busFromFixture(testCase.fixture);
      const sensor = await createOn(driver, bus, options);
      const address = driver.options.parse(options).address as number;
      bus.failNext(address);
      await expect(sensor.read()).rejects.toMatchObject({ code: 'I2C_IO_ERROR', message: expect.stringContaining(`: ${driver.name} at ${hex(address)} on bus 1: ${testCase.firstStep} failed (EIO`) });
      expect(await sensor.read()).toEqual(testCase.values);
    });
  });
}
