// Runs an I2C driver on a simulated bus: a register map from a fixture file or from an object
// written in the test, the driver's own options schema, and a DriverContext whose bus N is that bus.
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { busError } from '../../src/hardware/i2c/i2c-bus.js';
import { loadRegisterMap, parseRegisterMap } from '../../src/hardware/i2c/register-map.js';
import { SimulatedI2cBus } from '../../src/hardware/i2c/simulated-i2c.js';
import type { DriverContext, DriverDefinition, Sensor } from '../../src/sensors/types.js';
import { noHardwareContext } from '../helpers/driver-context.js';

export const regmapFile = (name: string): string => fileURLToPath(new URL(`../fixtures/regmaps/${name}`, import.meta.url));

/** A bus from test/fixtures/regmaps/<name>. */
export async function busFromFixture(name: string, busNumber = 1): Promise<SimulatedI2cBus> {
  return new SimulatedI2cBus(busNumber, await loadRegisterMap(regmapFile(name)));
}

type Devices = Record<string, { registerWidth?: 1 | 2; registers?: Record<string, number[]>; commands?: Record<string, number[]> }>;

/** A bus from a register map written in the test (same shape as the YAML files). */
export function busFromMap(devices: Devices, busNumber = 1): SimulatedI2cBus {
  return new SimulatedI2cBus(busNumber, parseRegisterMap({ devices }));
}

export function contextWith(bus: SimulatedI2cBus): DriverContext {
  const base = noHardwareContext({ log: pino({ level: 'silent' }) });
  return { ...base, hardware: { ...base.hardware, i2c: async (busNumber) => {
    if (busNumber !== bus.busNumber) throw new Error(`test context has no I2C bus ${busNumber}`);
    return bus;
  } } };
}

/**
 * Makes plain I2C transfers fail with ENOTSUP, as on the kernel's i2c-stub (the real-kernel tier),
 * which serves SMBus byte, word and block transfers only.
 */
export function refusePlainTransfers(bus: SimulatedI2cBus): void {
  const refuse = async (): Promise<never> => {
    throw busError('ENOTSUP', 95, 'plain I2C transfers are not supported (i2c-stub)');
  };
  bus.i2cWrite = refuse;
  bus.i2cRead = refuse;
}

/** Validates `rawOptions` (as in a config file) with the driver's schema, then creates the sensor. */
export async function createOn<Options>(driver: DriverDefinition<Options>, bus: SimulatedI2cBus, rawOptions: Record<string, unknown> = {}): Promise<Sensor> {
  return driver.create(driver.options.parse(rawOptions) as Options, contextWith(bus));
}

/** Little-endian bytes of 16-bit trimming values, as the Bosch chips store them. */
export function le16(...values: number[]): number[] {
  return values.flatMap((value) => [value & 0xff, (value >> 8) & 0xff]);
}

/** A 20-bit Bosch ADC value as its msb, lsb, xlsb registers. */
export function adc20(value: number): number[] {
  return [(value >> 12) & 0xff, (value >> 4) & 0xff, (value & 0x0f) << 4];
}
