// TI INA219 current/power monitor (datasheet SBOS448G). Calibration per section 8.5.1:
// Current_LSB = maxCurrent / 2^15 (equation 2) unless `currentLsb` picks a round value (as the
// calibration example does: 2 A expected, 100 µA chosen, Cal 4096), Cal = trunc(0.04096 /
// (Current_LSB * Rshunt)) (equation 1), Power_LSB = 20 * Current_LSB (equation 3). Configuration register 0x00 (section
// 8.6.2.1): bus range, the smallest PGA shunt range that holds maxCurrent * shuntOhms, 12-bit ADCs,
// shunt and bus continuous. Data registers (section 8.6.3): shunt voltage 0x01 (signed, 10 µV),
// bus voltage 0x02 (bits 15..3, 4 mV; bit 0 OVF = math overflow), power 0x03, current 0x04
// (signed); calibration 0x05 (section 8.6.4.1). Registers are 16-bit, MSB first (section 8.5.6),
// read and written as SMBus words with the bytes swapped (registers.ts).
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { I2cBus } from '../../hardware/i2c/i2c-bus.js';
import { describeDevice, i2cDeviceOptions, onDevice, type I2cDevice, i2cDeviceUse } from '../i2c-device.js';
import { readWordBE, writeWordBE } from './registers.js';
import { SensorError, type DriverDefinition, type Sensor, type ValueDefinitions, type Values } from '../types.js';
import { measured } from '../value-kinds.js';
import { roundValues } from '../rounding.js';

/** A0/A1 pins to GND, VS+, SDA or SCL: 16 addresses 0x40..0x4F (section 8.5.5.1). */
export const INA219_ADDRESSES = Array.from({ length: 16 }, (_, i) => 0x40 + i);

export const REG_CONFIGURATION = 0x00;
export const REG_SHUNT_VOLTAGE = 0x01;
export const REG_BUS_VOLTAGE = 0x02;
export const REG_POWER = 0x03;
export const REG_CURRENT = 0x04;
export const REG_CALIBRATION = 0x05;

const CONFIG_BRNG_32V = 1 << 13;
const CONFIG_PG_SHIFT = 11;
const CONFIG_BADC_SHIFT = 7;
const CONFIG_SADC_SHIFT = 3;
const ADC_12BIT = 0b0011; // 532 µs per conversion, the power-on default
const MODE_SHUNT_AND_BUS_CONTINUOUS = 0b111;
/** One shunt and one bus conversion at 12 bits (2 × 532 µs), rounded up. */
const CONVERSION_MS = 2;

const BUS_VOLTAGE_OVF = 0x0001;
const BUS_VOLTAGE_SHIFT = 3;
const BUS_VOLTAGE_LSB = 0.004;
const SHUNT_VOLTAGE_LSB = 0.00001;
/** The calibration register's bit 0 is not used (FS0, read as 0). */
const CALIBRATION_MAX = 0xfffe;
/** PGA gain codes 0..3: shunt full-scale ranges in V (section 8.6.2.1, PG bits). */
const SHUNT_RANGES = [0.04, 0.08, 0.16, 0.32] as const;

export const ina219Options = z.strictObject({
  ...i2cDeviceOptions(INA219_ADDRESSES[0] ?? 0x40, INA219_ADDRESSES),
  shuntOhms: z.number().positive().default(0.1).meta({ description: 'the shunt resistor in ohms (default: 0.1)', examples: [0.1, 0.01] }),
  /** The largest current expected, in A: it sets Current_LSB = maxCurrent / 32768. */
  maxCurrent: z.number().positive().default(3.2).meta({ description: 'the largest current expected, in A (default: 3.2)', examples: [3.2, 1] }),
  busRange: z
    .literal([16, 32], { error: 'is not an INA219 bus voltage range (16 or 32)' })
    .default(32)
    .meta({ description: 'bus voltage range: 16 or 32 V (default: 32)', examples: [32, 16] }),
  /** A per count of the current register, e.g. 0.0001; at least maxCurrent / 32767 (section 8.5.1). */
  currentLsb: z.number().positive().optional().meta({ description: 'A per count of the current register, at least maxCurrent / 32767 (default: maxCurrent / 32768)', examples: [0.0001] }),
});
export type Ina219Options = z.infer<typeof ina219Options>;

export interface Ina219Calibration {
  /** The value for register 0x05. */
  calibration: number;
  /** A per count of the current register; Current_LSB of equation 2. */
  currentLsb: number;
  /** W per count of the power register: 20 × Current_LSB (equation 3). */
  powerLsb: number;
  /** The configuration register value. */
  configuration: number;
}

/** Section 8.5.1, equations 1..3, and the configuration register for these options. */
type CalibrationInputs = Pick<Ina219Options, 'shuntOhms' | 'maxCurrent' | 'busRange' | 'currentLsb'>;

export function ina219Calibration(options: CalibrationInputs): Ina219Calibration {
  const currentLsb = options.currentLsb ?? options.maxCurrent / 32768;
  const exact = Math.trunc(0.04096 / (currentLsb * options.shuntOhms));
  const calibration = exact - (exact % 2);
  const gain = SHUNT_RANGES.findIndex((range) => options.maxCurrent * options.shuntOhms <= range + 1e-12);
  const configuration =
    (options.busRange === 32 ? CONFIG_BRNG_32V : 0) |
    ((gain < 0 ? 3 : gain) << CONFIG_PG_SHIFT) |
    (ADC_12BIT << CONFIG_BADC_SHIFT) |
    (ADC_12BIT << CONFIG_SADC_SHIFT) |
    MODE_SHUNT_AND_BUS_CONTINUOUS;
  return { calibration, currentLsb, powerLsb: 20 * currentLsb, configuration };
}

/**
 * Why these options cannot work, or undefined. Checked at create: the config schema takes the
 * options' shape only, so a cross-field refinement on the object would not run there.
 */
export function ina219OptionsProblem(options: CalibrationInputs): string | undefined {
  const shuntVolts = options.maxCurrent * options.shuntOhms;
  if (shuntVolts > 0.32 + 1e-12) {
    return `maxCurrent ${options.maxCurrent} A gives ${Math.round(shuntVolts * 1000)} mV across ${options.shuntOhms} Ω, beyond the 320 mV shunt range (lower maxCurrent or use a smaller shunt)`;
  }
  if (options.currentLsb !== undefined && options.currentLsb < options.maxCurrent / 32767) {
    return `currentLsb ${options.currentLsb} A cannot count up to maxCurrent ${options.maxCurrent} A in 15 bits (use at least ${options.maxCurrent / 32767})`;
  }
  if (ina219Calibration(options).calibration > CALIBRATION_MAX) {
    return `${options.currentLsb === undefined ? `maxCurrent ${options.maxCurrent} A` : `currentLsb ${options.currentLsb} A`} is too small for ${options.shuntOhms} Ω: the calibration value would exceed ${CALIBRATION_MAX}`;
  }
  return undefined;
}

/** Decimal places that resolve one `step` (4 for 100 µA, 5 for 97.7 µA). */
const decimalsFor = (step: number): number => Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
const signed16 = (value: number): number => (value & 0x8000 ? value - 0x10000 : value);

export async function createIna219(bus: I2cBus, options: Ina219Options, sleep: (ms: number) => Promise<unknown> = delay): Promise<Sensor> {
  const device: I2cDevice = { driver: 'ina219', bus: options.bus, address: options.address };
  const { address } = options;
  const name = describeDevice('ina219', options.bus, address);
  const writeRegister = (register: number, value: number, what: string): Promise<void> =>
    onDevice(device, `writing ${what}`, () => writeWordBE(bus, address, register, value));
  const readRegister = (register: number, what: string): Promise<number> =>
    onDevice(device, `reading ${what}`, () => readWordBE(bus, address, register));

  const problem = ina219OptionsProblem(options);
  if (problem) throw new SensorError('BAD_OPTIONS', `${name}: ${problem}`);
  const { calibration, currentLsb, powerLsb, configuration } = ina219Calibration(options);
  await writeRegister(REG_CONFIGURATION, configuration, 'the configuration');
  await writeRegister(REG_CALIBRATION, calibration, 'the calibration');
  // Current and power are computed after the next conversion with the new calibration.
  await sleep(CONVERSION_MS);
  const definitions = ina219Values(options);

  return {
    read: async (): Promise<Values> => {
      // A brown-out resets the chip to calibration 0: current and power would read 0 for ever.
      const programmed = await readRegister(REG_CALIBRATION, 'the calibration');
      if (programmed !== calibration) {
        throw new SensorError('SENSOR_RESET', `${name}: calibration register reads ${programmed}, not ${calibration} (the chip was reset, a brown-out?); it is reprogrammed on the next start`);
      }
      const busRaw = await readRegister(REG_BUS_VOLTAGE, 'the bus voltage');
      const shuntRaw = signed16(await readRegister(REG_SHUNT_VOLTAGE, 'the shunt voltage'));
      const currentRaw = signed16(await readRegister(REG_CURRENT, 'the current'));
      const powerRaw = await readRegister(REG_POWER, 'the power');
      if (busRaw & BUS_VOLTAGE_OVF) {
        throw new SensorError(
          'SENSOR_OVERFLOW',
          `${name}: math overflow (OVF): the current is beyond the calibrated range (maxCurrent ${options.maxCurrent} A, shuntOhms ${options.shuntOhms}); raise maxCurrent or check the load`,
        );
      }
      const values = { voltage: (busRaw >> BUS_VOLTAGE_SHIFT) * BUS_VOLTAGE_LSB, shuntVoltage: shuntRaw * SHUNT_VOLTAGE_LSB, current: currentRaw * currentLsb, power: powerRaw * powerLsb };
      return roundValues(values, definitions);
    },
  };
}

/** Bus 0.001 V (4 mV LSB), shunt 0.00001 V (10 µV LSB), current and power: the decimals that resolve their LSBs. */
function ina219Values(options: Ina219Options): ValueDefinitions {
  const { currentLsb, powerLsb } = ina219Calibration(options);
  return {
    voltage: measured('voltage', 3),
    shuntVoltage: measured('voltage', 5),
    current: measured('current', decimalsFor(currentLsb)),
    power: measured('power', decimalsFor(powerLsb)),
  };
}

export const ina219Driver: DriverDefinition<Ina219Options> = {
  name: 'ina219',
  readme: {
    options: '`bus` (1), `address` (`0x40`-`0x4f`), `shuntOhms` (0.1), `maxCurrent` (A, 3.2), `busRange` (16 or 32 V, 32), `currentLsb` (A, optional)',
    values: '`voltage` (bus, V), `shuntVoltage` (V), `current` (A), `power` (W)',
    wiring: 'high side: shunt between supply and load; calibration written at start and checked on each read',
  },
  transport: 'i2c',
  i2c: { chip: 'INA219', addresses: INA219_ADDRESSES },
  where: i2cDeviceUse,
  options: ina219Options,
  values: ina219Values,
  create: async (options, { hardware }) => createIna219(await hardware.i2c(options.bus), options),
};
