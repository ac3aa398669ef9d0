// What a driver is: a named factory from validated options to something the sampler can read.
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { Hardware } from '../hardware/hardware.js';
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

export interface DriverDefinition<Options = unknown> {
  name: string;
  /** Zod object schema of the driver's own option keys (beside id, driver, interval, qos, retain, topic). */
  options: z.ZodObject<z.ZodRawShape>;
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

/** The kind each of design.md's units stands for (a simulated value given a unit is that quantity). */
export const KIND_BY_UNIT: Readonly<Record<string, ValueKind>> = {
  '°C': 'temperature', '%RH': 'humidity', hPa: 'pressure', lux: 'illuminance', V: 'voltage', A: 'current', W: 'power', MB: 'dataSize', '%': 'percent', s: 'duration', 'pulses/s': 'rate',
};

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
