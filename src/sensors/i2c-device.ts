// What every I2C driver shares (design.md, "Sensor options"): the `bus` option, the N of
// /dev/i2c-N (default 1, the header pins of a Raspberry Pi), and `address`, written "0x76" or 118
// in the config and always a number after parsing; plus how a device is named in messages and how
// bus errors become SensorErrors a technician understands. Spread the shape into a strictObject:
//   z.strictObject({ ...i2cDeviceOptions(0x76, [0x76, 0x77]), filter: ... })
import { z } from 'zod';
import { expecting } from '../schema/fields.js';
import { hex, isNoDevice } from '../hardware/i2c/i2c-bus.js';
import { SensorError, type HardwareUse } from './types.js';

/** 7-bit addresses a device may use: 0x00..0x02 and 0x78..0x7f are reserved by the I2C spec. */
export const I2C_ADDRESS_MIN = 0x03;
export const I2C_ADDRESS_MAX = 0x77;

const ADDRESS_EXPECTED = 'an I2C address such as 0x76 (or the number 118)';
const ADDRESS_RANGE = 'is not an I2C address (7-bit addresses 0x03 to 0x77, such as 0x76)';

/** 118 → 118, "0x76" → 118, "118" → 118; undefined when it is not an address. */
export function parseI2cAddress(input: unknown): number | undefined {
  let value: number | undefined;
  if (typeof input === 'number') value = input;
  else if (typeof input === 'string') {
    const text = input.trim().toLowerCase();
    if (/^0x[0-9a-f]{1,2}$/.test(text)) value = Number.parseInt(text.slice(2), 16);
    else if (/^\d{1,3}$/.test(text)) value = Number.parseInt(text, 10);
  }
  if (value === undefined || !Number.isInteger(value)) return undefined;
  return value >= I2C_ADDRESS_MIN && value <= I2C_ADDRESS_MAX ? value : undefined;
}

/** The address field alone, for drivers that compose their own shape. */
export function i2cAddressField(defaultAddress: number, allowedAddresses?: readonly number[]) {
  const allowedText = allowedAddresses?.map((address) => hex(address)).join(' or ');
  return z
    .union([z.string(), z.number()], { error: () => `is not ${ADDRESS_EXPECTED}` })
    .transform((raw, ctx): number => {
      const address = parseI2cAddress(raw);
      if (address === undefined) {
        const outOfRange = typeof raw === 'number' || /^\s*(0x[0-9a-f]+|\d+)\s*$/i.test(raw);
        ctx.addIssue({ code: 'custom', message: outOfRange ? ADDRESS_RANGE : `is not ${ADDRESS_EXPECTED}` });
        return z.NEVER;
      }
      if (allowedAddresses && !allowedAddresses.includes(address)) {
        ctx.addIssue({ code: 'custom', message: `is not an address this chip uses (expected ${allowedText ?? ''})` });
        return z.NEVER;
      }
      return address;
    })
    .prefault(hex(defaultAddress))
    .meta({ description: `the chip's I2C address, in hex or decimal: ${addressChoice(defaultAddress, allowedAddresses)}`, examples: (allowedAddresses ?? [defaultAddress]).slice(0, 2).map((address) => hex(address)) });
}

/** "0x76 or 0x77 (default: 0x76)", "0x40 to 0x4f (default: 0x40)": the README row's words. */
function addressChoice(defaultAddress: number, allowed: readonly number[] | undefined): string {
  const list = allowed ?? [defaultAddress];
  const first = list[0] ?? defaultAddress;
  const last = list[list.length - 1] ?? defaultAddress;
  const contiguous = list.every((address, index) => address === first + index);
  const choice = list.length > 2 && contiguous ? `${hex(first)} to ${hex(last)}` : list.map((address) => hex(address)).join(' or ');
  return `${choice} (default: ${hex(defaultAddress)})`;
}

/** The bus field alone: N of /dev/i2c-N. */
export function i2cBusField() {
  return z
    .number(expecting('an I2C bus number such as 1 (for /dev/i2c-1)'))
    .int({ error: 'is not a whole bus number' })
    .min(0, { error: 'is not a bus number (expected 0 or more)' })
    .default(1)
    .meta({ description: 'the I2C bus: N of /dev/i2c-N, 1 for the header pins of a Raspberry Pi (default: 1)', examples: [1, 0] });
}

/** `{ bus, address }` to spread into a driver's options strictObject. */
export function i2cDeviceOptions(defaultAddress: number, allowedAddresses?: readonly number[]) {
  return { bus: i2cBusField(), address: i2cAddressField(defaultAddress, allowedAddresses) };
}

/** "bme280 at 0x77 on bus 1": how messages and logs name one device. */
/** What an I2C sensor uses, for doctor: its bus and address (every I2C driver's `where`). */
export function i2cDeviceUse(options: { bus: number; address: number }): HardwareUse {
  return { kind: 'i2c', bus: options.bus, address: options.address };
}

export function describeDevice(driverName: string, bus: number, address: number): string {
  return `${driverName} at ${hex(address)} on bus ${bus}`;
}

/** One chip on one bus, as a driver knows it. */
export interface I2cDevice {
  driver: string;
  bus: number;
  address: number;
}

/**
 * A bus error as a SensorError: SENSOR_NOT_FOUND when nothing acknowledges the address (ENXIO,
 * EREMOTEIO, ENODEV), I2C_ADDRESS_BUSY when a kernel driver holds the chip (EBUSY: /dev/i2c-N
 * refuses an address a bound kernel client has), I2C_IO_ERROR otherwise; SensorErrors pass through unchanged.
 */
export function i2cError(device: I2cDevice, action: string, error: unknown): SensorError {
  if (error instanceof SensorError) return error;
  const { driver, bus, address } = device;
  if (isNoDevice(error)) {
    return new SensorError(
      'SENSOR_NOT_FOUND',
      `${driver}: no device at ${hex(address)} on bus ${bus} (check wiring, power and the address; run 'sensor-agent scan-i2c --bus ${bus}')`,
    );
  }
  if ((error as { code?: unknown } | null)?.code === 'EBUSY') {
    return new SensorError(
      'I2C_ADDRESS_BUSY',
      `${driver}: ${hex(address)} on bus ${bus} is held by a kernel driver (EBUSY; a dtoverlay=i2c-sensor line or new_device bound it), so this driver cannot use it: ` +
        `use driver: iio or hwmon with the device the kernel publishes, or remove the overlay line (run 'sensor-agent scan-i2c --bus ${bus}')`,
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new SensorError('I2C_IO_ERROR', `${describeDevice(driver, bus, address)}: ${action} failed (${reason})`);
}

/** Runs one bus transfer, turning its failure into i2cError(device, action, ...). */
export async function onDevice<T>(device: I2cDevice, action: string, transfer: () => Promise<T>): Promise<T> {
  try {
    return await transfer();
  } catch (error) {
    throw i2cError(device, action, error);
  }
}
