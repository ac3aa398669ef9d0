// What the Bosch BME280 and BMP280 share (BME280 datasheet BST-BME280-DS002, BMP280 datasheet
// BST-BMP280-DS001): the register map (BME280 section 5.3/5.4, BMP280 section 4.2/4.3), chip ids,
// the trimming parameters (BME280 section 4.2.2, BMP280 section 3.11.2), the compensation
// formulas in double precision (BME280 section 8.1, BMP280 section 8.1; BMP280 section 3.12 works
// one example through) and the maximum measurement time (BME280 section 9.1 / appendix B,
// BMP280 section 3.8.1), and the forced-mode flow both drivers run (BME280 sections 3.3.2 and
// 5.4; BMP280 sections 3.6.2 and 4.3). bme280.ts and bmp280.ts only add their options.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { hex } from '../../hardware/i2c/i2c-bus.js';
import { describeDevice, onDevice, type I2cDevice } from '../i2c-device.js';
import { SensorError, type ChipProbe, type DriverContext, type Sensor, type ValueDefinition, type Values } from '../types.js';
import { checkDocumentedRange, clampHumidity, type DocumentedRange } from '../documented-range.js';
import { roundValues } from '../rounding.js';
import { measured } from '../value-kinds.js';

export const REG_CALIB_00 = 0x88; // dig_T1 .. dig_H1: 0x88..0xA1
export const CALIB_00_LENGTH = 26;
export const REG_CHIP_ID = 0xd0;
export const REG_RESET = 0xe0;
export const RESET_COMMAND = 0xb6;
export const REG_CALIB_26 = 0xe1; // dig_H2 .. dig_H6: 0xE1..0xE7 (BME280 only)
export const CALIB_26_LENGTH = 7;
export const REG_CTRL_HUM = 0xf2;
export const REG_STATUS = 0xf3;
export const REG_CTRL_MEAS = 0xf4;
export const REG_CONFIG = 0xf5;
export const REG_PRESS_MSB = 0xf7; // press_msb .. hum_lsb: 0xF7..0xFE
export const STATUS_MEASURING = 0x08; // bit 3: a conversion is running
export const STATUS_IM_UPDATE = 0x01; // bit 0: NVM data are being copied to image registers
export const MODE_FORCED = 0x01;

export const CHIP_ID_BME280 = 0x60;
export const CHIP_IDS_BMP280 = [0x56, 0x57, 0x58] as const; // 0x56/0x57 engineering samples
export const CHIP_ID_BME680 = 0x61;

/** What a chip id at 0xD0 says, with the driver to use when we have one. */
export function chipName(chipId: number): { name: string; driver?: string } | undefined {
  if (chipId === CHIP_ID_BME280) return { name: 'BME280', driver: 'bme280' };
  if ((CHIP_IDS_BMP280 as readonly number[]).includes(chipId)) return { name: 'BMP280', driver: 'bmp280' };
  if (chipId === CHIP_ID_BME680) return { name: 'BME680' };
  return undefined;
}

/**
 * scan-i2c's probe at 0x76/0x77: the chip id at 0xD0 (BME280 section 5.4.1), safe on every chip
 * these addresses hold here.
 */
export const identifyBmx280: ChipProbe = async (bus, address) => {
  const chipId = await bus.readByte(address, REG_CHIP_ID);
  const chip = chipName(chipId);
  if (!chip) return `unknown chip (id ${hex(chipId)} at ${hex(REG_CHIP_ID)}; a BME280 reads 0x60, a BMP280 0x58)`;
  return `${chip.name} (chip id ${hex(chipId)})${chip.driver ? `, driver: ${chip.driver}` : ', no driver here'}`;
};

/** 0.01 °C, 0.01 hPa, 0.01 %RH (the BMP280 has no humidity). */
export const BMX280_VALUES = {
  temperature: measured('temperature', 2),
  pressure: measured('pressure', 2),
  humidity: measured('humidity', 2),
} satisfies Record<string, ValueDefinition>;

// ---- options ---------------------------------------------------------------------------------

export const OVERSAMPLING_VALUES = [0, 1, 2, 4, 8, 16] as const;
export type Oversampling = (typeof OVERSAMPLING_VALUES)[number];
/** osrs_x register field for an oversampling factor (0 = measurement skipped). */
const OSRS_FIELD: Record<Oversampling, number> = { 0: 0, 1: 1, 2: 2, 4: 3, 8: 4, 16: 5 };

export const FILTER_VALUES = ['off', 2, 4, 8, 16] as const;
export type FilterCoefficient = (typeof FILTER_VALUES)[number];
const FILTER_FIELD: Record<string, number> = { off: 0, 2: 1, 4: 2, 8: 3, 16: 4 };

/** One quantity's oversampling; the temperature cannot be skipped (temperatureNotSkipped). */
export function oversamplingField(quantity: 'temperature' | 'pressure' | 'humidity') {
  const skip = quantity === 'temperature' ? '' : ', or 0 to skip it';
  return z
    .literal([...OVERSAMPLING_VALUES], { error: 'is not an oversampling factor (0 to skip, 1, 2, 4, 8 or 16)' })
    .default(1)
    .meta({ description: `oversampling of the ${quantity}: 1, 2, 4, 8, 16${skip} (default: 1)`, examples: quantity === 'temperature' ? [1, 2] : [1, 0] });
}

export function filterField() {
  return z
    .literal([...FILTER_VALUES], { error: 'is not an IIR filter coefficient (off, 2, 4, 8 or 16)' })
    .default('off')
    .meta({ description: 'IIR filter coefficient: off, 2, 4, 8, 16 (default: off)', examples: ['off', 4] });
}

/** Compensating pressure and humidity needs t_fine, so the temperature cannot be skipped. */
export function temperatureNotSkipped(oversampling: { temperature: Oversampling }, ctx: z.RefinementCtx): void {
  if (oversampling.temperature === 0) {
    ctx.addIssue({ code: 'custom', path: ['temperature'], message: 'cannot be 0: pressure and humidity compensation need the temperature' });
  }
}

export interface Bmx280Settings {
  oversampling: { temperature: Oversampling; pressure: Oversampling; humidity?: Oversampling };
  filter: FilterCoefficient;
}

export function ctrlMeasByte(settings: Bmx280Settings): number {
  const { temperature, pressure } = settings.oversampling;
  return (OSRS_FIELD[temperature] << 5) | (OSRS_FIELD[pressure] << 2) | MODE_FORCED;
}

export function ctrlHumByte(settings: Bmx280Settings): number {
  return OSRS_FIELD[settings.oversampling.humidity ?? 0];
}

/** config register: t_sb (unused in forced mode) 0, filter[4:2], spi3w_en 0. */
export function configByte(settings: Bmx280Settings): number {
  return (FILTER_FIELD[String(settings.filter)] ?? 0) << 2;
}

/** BME280 section 9.1: t_measure,max in ms; a skipped measurement takes no time. */
export function maxMeasurementMs(settings: Bmx280Settings): number {
  const { temperature, pressure, humidity = 0 } = settings.oversampling;
  return 1.25 + 2.3 * temperature + (pressure ? 2.3 * pressure + 0.575 : 0) + (humidity ? 2.3 * humidity + 0.575 : 0);
}

// ---- calibration -----------------------------------------------------------------------------

export interface Bmx280Calibration {
  T1: number; T2: number; T3: number;
  P1: number; P2: number; P3: number; P4: number; P5: number; P6: number; P7: number; P8: number; P9: number;
  /** BME280 only. */
  humidity?: { H1: number; H2: number; H3: number; H4: number; H5: number; H6: number };
}

/** calib00 = 0x88..0xA1 (26 bytes); calib26 = 0xE1..0xE7 (7 bytes) on a BME280. */
export function parseCalibration(calib00: Buffer, calib26?: Buffer): Bmx280Calibration {
  const u16 = (offset: number): number => calib00.readUInt16LE(offset);
  const s16 = (offset: number): number => calib00.readInt16LE(offset);
  const calibration: Bmx280Calibration = {
    T1: u16(0), T2: s16(2), T3: s16(4),
    P1: u16(6), P2: s16(8), P3: s16(10), P4: s16(12), P5: s16(14), P6: s16(16), P7: s16(18), P8: s16(20), P9: s16(22),
  };
  if (calib26) {
    const e4 = calib26.readInt8(3);
    const e5 = calib26.readUInt8(4);
    const e6 = calib26.readInt8(5);
    calibration.humidity = {
      H1: calib00.readUInt8(25), // 0xA1
      H2: calib26.readInt16LE(0), // 0xE1/0xE2
      H3: calib26.readUInt8(2), // 0xE3
      H4: e4 * 16 + (e5 & 0x0f), // 0xE4[11:4] / 0xE5[3:0], signed 12 bit
      H5: e6 * 16 + (e5 >> 4), // 0xE6[11:4] / 0xE5[7:4], signed 12 bit
      H6: calib26.readInt8(6), // 0xE7
    };
  }
  return calibration;
}

// ---- compensation (double precision, datasheet section 8.1) ----------------------------------

/**
 * Returns °C and t_fine, which pressure and humidity compensation take. The datasheet's code (and
 * Bosch's API) keeps t_fine as a 32-bit integer, truncated toward zero, while the temperature is
 * computed before the truncation: using the untruncated sum moves the pressure's last published
 * digit for 1 chip in 35 to 70 (24 of 1,621 random chips: test/fixtures/bosch-reference/).
 */
export function compensateTemperature(adcT: number, c: Bmx280Calibration): { celsius: number; tFine: number } {
  const var1 = (adcT / 16384 - c.T1 / 1024) * c.T2;
  const var2 = (adcT / 131072 - c.T1 / 8192) * (adcT / 131072 - c.T1 / 8192) * c.T3;
  return { celsius: (var1 + var2) / 5120, tFine: Math.trunc(var1 + var2) };
}

/** Pa; undefined when the calibration would divide by zero (dig_P1 = 0). */
export function compensatePressure(adcP: number, tFine: number, c: Bmx280Calibration): number | undefined {
  let var1 = tFine / 2 - 64000;
  let var2 = (var1 * var1 * c.P6) / 32768;
  var2 = var2 + var1 * c.P5 * 2;
  var2 = var2 / 4 + c.P4 * 65536;
  var1 = ((c.P3 * var1 * var1) / 524288 + c.P2 * var1) / 524288;
  var1 = (1 + var1 / 32768) * c.P1;
  if (var1 === 0) return undefined;
  let p = 1048576 - adcP;
  p = ((p - var2 / 4096) * 6250) / var1;
  var1 = (c.P9 * p * p) / 2147483648;
  var2 = (p * c.P8) / 32768;
  return p + (var1 + var2 + c.P7) / 16;
}

/** %RH, limited to 0..100 as the datasheet's code does. */
export function compensateHumidity(adcH: number, tFine: number, h: NonNullable<Bmx280Calibration['humidity']>): number {
  let varH = tFine - 76800;
  varH = (adcH - (h.H4 * 64 + (h.H5 / 16384) * varH)) * ((h.H2 / 65536) * (1 + (h.H6 / 67108864) * varH * (1 + (h.H3 / 67108864) * varH)));
  varH = varH * (1 - (h.H1 * varH) / 524288);
  return clampHumidity(varH);
}

/** The 20-bit pressure/temperature and 16-bit humidity ADC values from the 0xF7.. burst read. */
export function parseAdc(data: Buffer): { adcP: number; adcT: number; adcH?: number } {
  const adc20 = (offset: number): number => ((data[offset] ?? 0) << 12) | ((data[offset + 1] ?? 0) << 4) | ((data[offset + 2] ?? 0) >> 4);
  const result: { adcP: number; adcT: number; adcH?: number } = { adcP: adc20(0), adcT: adc20(3) };
  if (data.length >= 8) result.adcH = data.readUInt16BE(6);
  return result;
}

/** What a skipped measurement reads (0x80000 for T and P, 0x8000 for H). */
export const ADC_SKIPPED_20 = 0x80000;
export const ADC_SKIPPED_16 = 0x8000;

// ---- the device: check, calibrate once, forced mode per read ----------------------------------

/** Start-up time t_startup after power-on or soft reset: 2 ms (both datasheets, section 1). */
const STARTUP_MS = 2;
/** Status polls, 1 ms apart, after the maximum measurement time (or after a reset) has passed. */
const STATUS_POLLS = 10;

/** Both datasheets, section 1 (operating range): outside it a reading fails (documented-range.ts). */
export const TEMPERATURE_RANGE: DocumentedRange = { min: -40, max: 85, unit: '°C', source: 'operating range, datasheet section 1' };
export const PRESSURE_RANGE: DocumentedRange = { min: 300, max: 1100, unit: 'hPa', source: 'operating range, datasheet section 1' };

async function waitWhileStatus(read: () => Promise<number>, bit: number, device: I2cDevice, what: string): Promise<void> {
  for (let poll = 0; poll < STATUS_POLLS; poll += 1) {
    if (((await read()) & bit) === 0) return;
    await sleep(1);
  }
  throw new SensorError('MEASUREMENT_TIMEOUT', `${describeDevice(device.driver, device.bus, device.address)}: ${what} (status register ${hex(REG_STATUS)} stayed busy)`);
}

export async function createBmx280(driver: 'bme280' | 'bmp280', settings: Bmx280Settings & { bus: number; address: number }, { hardware }: DriverContext): Promise<Sensor> {
  const device: I2cDevice = { driver, bus: settings.bus, address: settings.address };
  const { address } = settings;
  const withHumidity = driver === 'bme280';
  const bus = await hardware.i2c(settings.bus);
  const readStatus = (): Promise<number> => onDevice(device, 'reading status', () => bus.readByte(address, REG_STATUS));

  const chipId = await onDevice(device, 'reading the chip id', () => bus.readByte(address, REG_CHIP_ID));
  const chip = chipName(chipId);
  if (chip?.driver !== driver) {
    const advice = chip?.driver ? `, use driver: ${chip.driver}` : chip ? ', which this agent has no driver for' : ` (expected ${hex(driver === 'bme280' ? CHIP_ID_BME280 : 0x58)}; another chip at this address?)`;
    throw new SensorError('CHIP_MISMATCH', `${describeDevice(driver, settings.bus, address)}: chip id ${hex(chipId)} ${chip ? `is a ${chip.name}` : 'is not a Bosch BME280/BMP280'}${advice}`);
  }

  // A soft reset puts the chip in sleep mode, where the config register accepts writes, whatever
  // a previous run left behind; the NVM trimming is then copied before we read it.
  await onDevice(device, 'soft reset', () => bus.writeByte(address, REG_RESET, RESET_COMMAND));
  await sleep(STARTUP_MS);
  await waitWhileStatus(readStatus, STATUS_IM_UPDATE, device, 'calibration data not ready after reset');
  const calib00 = await onDevice(device, 'reading calibration', () => bus.readI2cBlock(address, REG_CALIB_00, CALIB_00_LENGTH));
  const calib26 = withHumidity ? await onDevice(device, 'reading calibration', () => bus.readI2cBlock(address, REG_CALIB_26, CALIB_26_LENGTH)) : undefined;
  const calibration = parseCalibration(calib00, calib26);
  if (calibration.T1 === 0 || calibration.P1 === 0) {
    throw new SensorError('BAD_CALIBRATION', `${describeDevice(driver, settings.bus, address)}: calibration data read as zero (dig_T1 ${calibration.T1}, dig_P1 ${calibration.P1})`);
  }
  await onDevice(device, 'writing config', () => bus.writeByte(address, REG_CONFIG, configByte(settings)));

  const waitMs = Math.ceil(maxMeasurementMs(settings));
  const dataLength = withHumidity ? 8 : 6;
  return {
    read: async (): Promise<Values> => {
      // ctrl_hum takes effect only with the following write to ctrl_meas (BME280 section 5.4.3).
      if (withHumidity) await onDevice(device, 'writing ctrl_hum', () => bus.writeByte(address, REG_CTRL_HUM, ctrlHumByte(settings)));
      await onDevice(device, 'starting a forced measurement', () => bus.writeByte(address, REG_CTRL_MEAS, ctrlMeasByte(settings)));
      await sleep(waitMs);
      await waitWhileStatus(readStatus, STATUS_MEASURING, device, `measurement not done ${waitMs + STATUS_POLLS} ms after it started`);
      const data = await onDevice(device, 'reading measurement data', () => bus.readI2cBlock(address, REG_PRESS_MSB, dataLength));
      const { adcP, adcT, adcH } = parseAdc(data);
      const { celsius, tFine } = compensateTemperature(adcT, calibration);
      const what = describeDevice(driver, settings.bus, address);
      const values: Values = { temperature: checkDocumentedRange(what, 'temperature', celsius, TEMPERATURE_RANGE) };
      if (settings.oversampling.pressure !== 0 && adcP !== ADC_SKIPPED_20) {
        const pascal = compensatePressure(adcP, tFine, calibration);
        if (pascal !== undefined) values.pressure = checkDocumentedRange(what, 'pressure', pascal / 100, PRESSURE_RANGE);
      }
      if (calibration.humidity && adcH !== undefined && settings.oversampling.humidity !== 0 && adcH !== ADC_SKIPPED_16) {
        values.humidity = compensateHumidity(adcH, tFine, calibration.humidity);
      }
      return roundValues(values, BMX280_VALUES);
    },
  };
}
