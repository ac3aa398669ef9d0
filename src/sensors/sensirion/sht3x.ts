// SHT3x-DIS humidity and temperature sensor (Sensirion SHT3x-DIS datasheet): single-shot
// measurement, high repeatability, clock stretching disabled (section 4.3, table 9: 0x2400), wait
// the maximum measurement duration (table 4: 15 ms), read T and RH words with CRC-8 (section 4.12),
// convert with section 4.13: T = -45 + 175 * S_T / (2^16 - 1), RH = 100 * S_RH / (2^16 - 1).
// At create the status register (section 4.11, 0xF32D) is read: a CRC-checked answer proves a
// Sensirion chip is there; the SHT3x has no chip id.
import { z } from 'zod';
import type { DriverDefinition, Sensor, ValueDefinitions, Values } from '../types.js';
import { describeDevice, i2cDeviceOptions, type I2cDevice, i2cDeviceUse } from '../i2c-device.js';
import { sensirionTransfer } from './protocol.js';
import { roundValues } from '../rounding.js';
import { measured } from '../value-kinds.js';
import { checkDocumentedRange, clampHumidity, type DocumentedRange } from '../documented-range.js';

export const SHT3X_ADDRESSES = [0x44, 0x45] as const;
/** Single shot, high repeatability, clock stretching disabled (table 9). */
export const SHT3X_MEASURE_SINGLE_SHOT_HIGH = 0x2400;
/** Read out of status register (section 4.11). */
export const SHT3X_READ_STATUS = 0xf32d;
/** Table 4: high repeatability measurement duration, max 15 ms; 1 ms margin for timer jitter. */
export const SHT3X_MEASUREMENT_MS = 16;

const FULL_SCALE = 65535;

export const sht3xOptions = z.strictObject({
  ...i2cDeviceOptions(SHT3X_ADDRESSES[0], [...SHT3X_ADDRESSES]),
});
export type Sht3xOptions = z.infer<typeof sht3xOptions>;

/** 0.01 °C and 0.01 %RH: the chip's step is finer. */
export const SHT3X_VALUES: ValueDefinitions = { temperature: measured('temperature', 2), humidity: measured('humidity', 2) };

/** Outside it a reading fails; humidity is clamped to 0..100 (documented-range.ts). */
export const TEMPERATURE_RANGE: DocumentedRange = { min: -40, max: 125, unit: '°C', source: 'SHT3x-DIS datasheet table 1' };

/** Section 4.13: raw words to °C and %RH, rounded to 0.01 (the chip's resolution is finer). */
export function sht3xConvert(rawTemperature: number, rawHumidity: number): Values {
  const temperature = -45 + (175 * rawTemperature) / FULL_SCALE;
  return roundValues({ temperature, humidity: clampHumidity((100 * rawHumidity) / FULL_SCALE) }, SHT3X_VALUES);
}

export const sht3xDriver: DriverDefinition<Sht3xOptions> = {
  name: 'sht3x',
  readme: {
    options: '`bus` (1), `address` (`0x44`; or `0x45`)',
    values: '`temperature`, `humidity`',
    wiring: '3.3 V; ADDR to GND = 0x44. Single shot, high repeatability, CRC-8 checked',
  },
  transport: 'i2c',
  i2c: { chip: 'SHT3x', family: 'sensirion', addresses: SHT3X_ADDRESSES },
  where: i2cDeviceUse,
  options: sht3xOptions,
  values: () => SHT3X_VALUES,
  create: async (options, { hardware }): Promise<Sensor> => {
    const device: I2cDevice = { driver: 'sht3x', bus: options.bus, address: options.address };
    const bus = await hardware.i2c(options.bus);
    await sensirionTransfer(bus, device, { code: SHT3X_READ_STATUS, bytes: 2, name: 'read status', waitMs: 1 }, 1);
    const measure = { code: SHT3X_MEASURE_SINGLE_SHOT_HIGH, bytes: 2, name: 'single-shot measurement', waitMs: SHT3X_MEASUREMENT_MS } as const;
    return {
      read: async (): Promise<Values> => {
        const [rawTemperature = 0, rawHumidity = 0] = await sensirionTransfer(bus, device, measure, 2);
        const values = sht3xConvert(rawTemperature, rawHumidity);
        checkDocumentedRange(describeDevice('sht3x', options.bus, options.address), 'temperature', values.temperature ?? 0, TEMPERATURE_RANGE);
        return values;
      },
    };
  },
};
