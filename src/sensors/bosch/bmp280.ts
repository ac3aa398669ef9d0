// Bosch BMP280 pressure and temperature sensor (datasheet BST-BMP280-DS001): forced mode per read,
// oversampling (section 3.3.1, 3.3.2, 4.3.4), IIR filter (section 3.3.3), chip id 0x58 at 0xD0
// (section 4.3.1; 0x56/0x57 on samples). The flow and the formulas are in bmx280.ts; the
// test runs the section 3.12 worked example through this driver.
// Values: temperature (°C, 0.01), pressure (hPa, 0.01).
import { z } from 'zod';
import type { DriverDefinition } from '../types.js';
import { i2cDeviceOptions, i2cDeviceUse } from '../i2c-device.js';
import { BMX280_VALUES, createBmx280, filterField, identifyBmx280, oversamplingField, temperatureNotSkipped } from './bmx280.js';

/** SDO to GND: 0x76; SDO to VDDIO: 0x77 (section 5.2). */
export const BMP280_ADDRESSES = [0x76, 0x77] as const;

export const bmp280Options = z.strictObject({
  ...i2cDeviceOptions(BMP280_ADDRESSES[0], [...BMP280_ADDRESSES]),
  oversampling: z
    .strictObject({ temperature: oversamplingField('temperature'), pressure: oversamplingField('pressure') })
    .superRefine(temperatureNotSkipped)
    .prefault({})
    .meta({ description: 'oversampling per quantity: { temperature, pressure } (1 each; 0 skips pressure, 1-16)', examples: [{ temperature: 2, pressure: 1 }] }),
  filter: filterField(),
});
export type Bmp280Options = z.infer<typeof bmp280Options>;

export const bmp280Driver: DriverDefinition<Bmp280Options> = {
  name: 'bmp280',
  readme: {
    options: 'as `bme280`, without humidity',
    values: '`temperature`, `pressure`',
    wiring: 'as `bme280`; the driver names the chip if the id says BME280',
  },
  transport: 'i2c',
  i2c: { chip: 'BMP280', family: 'bosch-bmx280', addresses: BMP280_ADDRESSES, probe: identifyBmx280 },
  where: i2cDeviceUse,
  options: bmp280Options,
  values: () => ({ temperature: BMX280_VALUES.temperature, pressure: BMX280_VALUES.pressure }),
  create: (options, context) => createBmx280('bmp280', options, context),
};
