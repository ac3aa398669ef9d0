// What a driver is: a named factory from validated options to something the sampler can read.
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { Hardware } from '../hardware/hardware.js';
import type { I2cBus } from '../hardware/i2c/i2c-bus.js';
import type { ErrorCodeOf } from '../errors/catalogue.js';

/** One sample: value name → number, in the units of design.md (°C, %RH, hPa, lux, V, A, W). */
export type Values = Record<string, number>;

export interface Sensor {
  /** Take one sample. Rejects when the hardware does not answer; the sampler retries with backoff. */
  read(): Promise<Values>;
  /** Readings the sampler takes per tick (the simulated driver's `burst`); 1 when absent. */
  readingsPerTick?: number;
  /**
   * Event-driven sources (GPIO edges) push readings as they happen; the sampler also calls read()
   * every interval as a heartbeat.
   */
  onReading?(listener: (values: Values, ts: number) => void): void;
  close?(): Promise<void>;
}

/** What the composition root hands every driver; drivers never import buses or paths themselves. */
export interface DriverContext {
  sensorId: string;
  /** The buffer's folder, so the system driver can report the disk use of its file system. */
  storePath: string;
  log: Logger;
  hardware: Hardware;
}

/**
 * How the driver reaches its hardware: a chip on /dev/i2c-N it talks to itself, a GPIO line, a
 * 1-Wire device the kernel reads, the host's own files (/proc, /sys, the kernel's iio/hwmon
 * drivers), or nothing (simulated). doctor checks the hardware by it.
 */
export type Transport = 'i2c' | 'gpio' | '1-wire' | 'host' | 'none';

/**
 * Reads an identification register where that is safe for every chip the address may hold, and
 * says what is there ("BME280 (chip id 0x60), driver: bme280"); undefined (or a rejection) keeps
 * scan-i2c's guess by address.
 */
export type ChipProbe = (bus: I2cBus, address: number) => Promise<string | undefined>;

/** What scan-i2c and the README know of a chip a driver talks to on an I2C bus. */
export interface I2cChip {
  /** The chip as its datasheet names it: BME280, SHT3x. */
  chip: string;
  /** Drivers of one family share a guess in scan-i2c ("BME280 or BMP280 (driver: bme280 or bmp280)"). */
  family?: string;
  /** The 7-bit addresses the chip can be strapped to. */
  addresses: readonly number[];
  probe?: ChipProbe;
}

export interface DriverDefinition<Options = unknown> {
  name: string;
  transport: Transport;
  /** Present exactly when `transport` is 'i2c'. */
  i2c?: I2cChip;
  /** Its row of the README's driver table (written by `npm run docs`, checked by test/docs/driver-table.test.ts). */
  readme: DriverReadme;
  /** The hardware a sensor with these options uses, for doctor's checks (the bus and address, the pin, the 1-Wire id). */
  where?(options: Options): HardwareUse;
  /**
   * Zod object schema of the driver's own option keys (beside id, driver, interval, qos, retain, topic).
   * Durations: a duration option keeps its config key (`debounce`, `period`: the key is the
   * contract) and holds milliseconds once parsed (`duration()` of config/units.ts); any name of
   * our own that carries it on past the options object ends in `Ms` (`debounceMs: options.debounce`).
   */
  options: z.ZodObject<z.ZodRawShape> & z.ZodType<Options>;
  create(options: Options, context: DriverContext): Promise<Sensor>;
  /**
   * The values a sensor with these options reports, with the decimals of its real resolution:
   * the names config `filters:` are checked against, and the rounding applied after the filters.
   * A value the driver reports beyond these (or a driver without the list) keeps the decimals it came with.
   * Undefined when the names are known only from the device (iio/hwmon without `channels`).
   */
  values?(options: Options): ValueDefinitions | undefined;
}

/**
 * What a value measures, beyond its number: the quantity (design.md's value names and units) that
 * consumers such as Home Assistant discovery (src/homeassistant/) map to their own vocabulary.
 * `level` is a GPIO state (0/1); `count` a total that only grows (pulses since start);
 * `dataSize` in MB (10^6 bytes); `percent` a share of something; `duration` in s.
 */
export type ValueKind =
  | 'temperature' | 'humidity' | 'pressure' | 'illuminance' | 'voltage' | 'current' | 'power'
  | 'level' | 'count' | 'rate' | 'dataSize' | 'percent' | 'duration' | 'load';

export interface ValueDefinition {
  /** Decimals of the real resolution: 0.01 °C → 2. */
  decimals: number;
  /** The unit the value is published in (°C, %RH, hPa, lux, V, A, W, MB, %, s, pulses/s); absent when unitless. */
  unit?: string;
  kind?: ValueKind;
  /** The driver's own health rather than a measurement (the edges a GPIO counter's kernel FIFO dropped). */
  diagnostic?: boolean;
}

/** The README's words for a driver: its options with their defaults, what it publishes, how to wire it. */
export interface DriverReadme {
  options: string;
  values: string;
  wiring: string;
}

/** One sensor's hardware, as doctor checks it. */
export type HardwareUse = { kind: 'i2c'; bus: number; address: number } | { kind: 'gpio'; pin: number } | { kind: '1-wire'; deviceId: string };

/** Value name → its definition. */
export type ValueDefinitions = Record<string, ValueDefinition>;

export class SensorError extends Error {
  constructor(
    readonly code: ErrorCodeOf<'sensor'>,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'SensorError';
  }
}
