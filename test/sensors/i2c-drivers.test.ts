// The shared I2C contract (i2c-driver-contract.ts) for every I2C driver in the registry: a new I2C
// driver fails the first test here until it has a case (its register map and datasheet values).
import { describe, expect, it } from 'vitest';
import { driverDefinitions } from '../../src/sensors/registry.js';
import { describeI2cDriverContract, type I2cDriverCase } from './i2c-driver-contract.js';

const CASES: Record<string, I2cDriverCase> = {
  bme280: { fixture: 'bme280.yaml', firstStep: 'writing ctrl_hum', values: { temperature: 21, pressure: 1013.25, humidity: 45 } },
  // BMP280 datasheet section 3.12: the worked example's trimming and ADC values.
  bmp280: { fixture: 'bmp280.yaml', firstStep: 'starting a forced measurement', values: { temperature: 25.08, pressure: 1006.53 } },
  sht3x: { fixture: 'sht3x.yaml', firstStep: 'command single-shot measurement (0x2400)', values: { temperature: 21.5, humidity: 45 } },
  sht4x: { fixture: 'sht4x.yaml', firstStep: 'command high-precision measurement (0xfd)', values: { temperature: 21.5, humidity: 45 } },
  bh1750: { fixture: 'bh1750.yaml', firstStep: 'sending power on', values: { illuminance: 420 } },
  ads1115: { fixture: 'ads1115.yaml', firstStep: 'starting a conversion of input 0', values: { voltage0: 1.5 } },
  ina219: { fixture: 'ina219.yaml', firstStep: 'reading the calibration', values: { voltage: 12, shuntVoltage: 0.12, current: 1.1999, power: 14.398 } },
  mcp9808: { fixture: 'mcp9808.yaml', firstStep: 'reading the ambient temperature', values: { temperature: 23.5 } },
};

const i2cDrivers = driverDefinitions.filter((driver) => driver.transport === 'i2c');

describe('the I2C drivers', () => {
  it('each have a contract case, and each declare the chip and its addresses', () => {
    expect(i2cDrivers.map((driver) => driver.name).sort()).toEqual(Object.keys(CASES).sort());
    for (const driver of i2cDrivers) expect(driver.i2c?.addresses.length, driver.name).toBeGreaterThan(0);
  });
});

for (const driver of i2cDrivers) {
  const testCase = CASES[driver.name];
  if (testCase) describeI2cDriverContract(driver, testCase);
}
