// Every driver says which values it reports and to how many decimals (what `filters:` names are
// checked against and what filtered values are rounded to). Checked against what the I2C drivers
// actually read from the shipped register maps: the same names, and values already at those decimals.
import { describe, expect, it } from 'vitest';
import { driverDefinitions, findDriver } from '../../src/sensors/registry.js';
import { roundTo } from '../../src/filters/sensor-filters.js';
import { busFromFixture, createOn } from './i2c-rig.js';

const I2C_CASES: Array<[driver: string, regmap: string, options: Record<string, unknown>]> = [
  ['bme280', 'bme280.yaml', {}],
  ['bmp280', 'bmp280.yaml', {}],
  ['sht3x', 'sht3x.yaml', {}],
  ['sht4x', 'sht4x.yaml', {}],
  ['bh1750', 'bh1750.yaml', {}],
  ['ina219', 'ina219.yaml', {}],
  ['mcp9808', 'mcp9808.yaml', {}],
  ['ads1115', 'ads1115.yaml', { channels: [0, 1] }],
];

/** Options each driver needs at least; iio and hwmon declare values only when `channels` names them. */
const MINIMAL_OPTIONS: Record<string, Record<string, unknown>> = {
  'gpio-input': { pin: 17 },
  ds18b20: { deviceId: '28-000000000001' },
  iio: { device: 'bme280', channels: ['temperature', 'pressure', 'humidity'] },
  hwmon: { device: 'jc42', channels: ['temperature'] },
};

describe('value definitions', () => {
  it('every driver declares its values with whole decimals', () => {
    for (const driver of driverDefinitions) {
      expect(driver.values, driver.name).toBeTypeOf('function');
      const values = driver.values!(driver.options.parse(MINIMAL_OPTIONS[driver.name] ?? {}) as never) ?? {};
      expect(Object.keys(values).length, driver.name).toBeGreaterThan(0);
      for (const { decimals } of Object.values(values)) expect(Number.isInteger(decimals) && decimals >= 0 && decimals <= 12, driver.name).toBe(true);
    }
  });

  it.each(I2C_CASES)('%s reads exactly the values it declares, at their decimals', async (name, regmap, rawOptions) => {
    const driver = findDriver(name)!;
    const sensor = await createOn(driver, await busFromFixture(regmap), rawOptions);
    const values = await sensor.read();
    const declared = driver.values!(driver.options.parse(rawOptions) as never) ?? {};
    expect(Object.keys(values).sort()).toEqual(Object.keys(declared).sort());
    for (const [value, number] of Object.entries(values)) expect(roundTo(number, declared[value]!.decimals), value).toBe(number);
  });

  it('gpio-input declares level in state mode and count, rate, overflows in counter mode', () => {
    const driver = findDriver('gpio-input')!;
    expect(Object.keys(driver.values!(driver.options.parse({ pin: 17 }) as never) ?? {})).toEqual(['level']);
    expect(Object.keys(driver.values!(driver.options.parse({ pin: 17, mode: 'counter' }) as never) ?? {})).toEqual(['count', 'rate', 'overflows']);
  });
});
