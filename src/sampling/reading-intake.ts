// Where a sample becomes a reading: the sensor's filters (src/filters/) decide what is reported,
// and only what passed is handed to the buffer, so a value filtered out takes no seq and no buffer
// space; the status hub hears of the raw sample and the reported reading either way. A reading a
// `clamp` failed is counted as a failure of the sensor, never stored clipped. A reading taken while
// the system clock cannot be trusted is stored with its clock mark (src/buffer/clock-mark.ts). A
// sensor with `priority: high` has its readings stored in the buffer's high lane (issue 21).
import type { Logger } from 'pino';
import type { ClockMark, Reading, StoredReading } from '../buffer/index.js';
import type { SensorConfig } from '../config/sensor-schema.js';
import { SensorFilters } from '../filters/sensor-filters.js';
import { OutOfRangeError } from '../filters/stage.js';
import type { StatusHub } from '../status/status-hub.js';
import type { DriverDefinition, Values } from '../sensors/types.js';

export interface IntakeOptions {
  append(reading: Reading): Promise<StoredReading | null>;
  /** Appends a burst with one promise for all of it (ReadingBuffer.appendAll); else `append` each. */
  appendAll?(readings: Reading[]): Promise<Array<StoredReading | null>>;
  hub: StatusHub;
  log: Logger;
  /** A monotonic clock in ms (throttle and heartbeat periods must not follow a clock step). */
  monoNow?: () => number;
  /** Marks a reading taken at a monotonic time while the clock cannot be trusted (ClockMonitor.mark). */
  clockMark?: (mono: number) => ClockMark | undefined;
  /** The wall clock the samples' ts come from (to place a sample's ts on the monotonic clock). */
  now?: () => number;
}

/** Filters for one configured sensor, or null when it has none (the samples pass as they are). */
export function filtersFor(sensor: SensorConfig, driver: DriverDefinition | undefined): SensorFilters | null {
  if (!sensor.filters || Object.keys(sensor.filters).length === 0) return null;
  let definitions;
  try {
    definitions = driver?.values?.(sensor.options);
  } catch {
    definitions = undefined;
  }
  return new SensorFilters(sensor.filters, definitions);
}

export class ReadingIntake {
  private readonly filters = new Map<string, SensorFilters>();
  private readonly high = new Set<string>();
  private readonly monoNow: () => number;
  private readonly now: () => number;

  constructor(private readonly options: IntakeOptions) {
    this.monoNow = options.monoNow ?? (() => performance.now());
    this.now = options.now ?? Date.now;
  }

  addSensor(sensorId: string, filters: SensorFilters | null, high = false): void {
    if (filters) this.filters.set(sensorId, filters);
    else this.filters.delete(sensorId);
    if (high) this.high.add(sensorId);
    else this.high.delete(sensorId);
  }

  /** Filters `samples` taken at `ts`, appends what passed (in one turn: one batch), tells the hub. */
  async accept(sensorId: string, ts: number, samples: Values[]): Promise<void> {
    const { hub } = this.options;
    const filters = this.filters.get(sensorId);
    // Without filters the samples are the readings (a burst may hold 100,000: no copy).
    const reported: Values[] = filters ? [] : samples;
    let outOfRange = 0;
    let lastOutOfRange = false;
    // The sample's place on the monotonic clock: now, less how long ago ts was (bounded).
    const atMs = this.monoNow() - Math.min(60_000, Math.max(0, this.now() - ts));
    const clock = this.options.clockMark?.(atMs);
    if (filters) {
      for (const raw of samples) {
        lastOutOfRange = false;
        try {
          const values = filters.apply(raw, atMs);
          if (values) reported.push(values);
        } catch (error) {
          if (!(error instanceof OutOfRangeError)) throw error;
          outOfRange += 1;
          lastOutOfRange = true;
          this.options.log.warn({ sensor: sensorId, err: error.message }, 'reading out of its clamp range; not stored');
          hub.sensorOutOfRange(sensorId, ts, raw, error.message);
        }
      }
    }
    const latestRaw = samples.at(-1);
    const held = samples.length - reported.length - outOfRange;
    if (reported.length === 0) {
      if (latestRaw && held > 0) hub.sensorFiltered(sensorId, ts, lastOutOfRange ? null : latestRaw, held);
      return;
    }
    if (held > 0) hub.sensorFiltered(sensorId, ts, null, held);
    const high = this.high.has(sensorId);
    const readings = reported.map((values) => {
      const reading: Reading = clock ? { sensor: sensorId, ts, values, clock } : { sensor: sensorId, ts, values };
      if (high) reading.high = true;
      return reading;
    });
    const { append, appendAll } = this.options;
    const stored = await (appendAll ? appendAll(readings) : Promise.all(readings.map((reading) => append(reading))));
    const accepted = stored.filter((reading) => reading !== null);
    hub.readingsStored(sensorId, accepted.length, stored.length - accepted.length);
    const last = accepted.at(-1);
    for (const reading of accepted.slice(0, -1)) hub.readingAccepted({ sensor: sensorId, seq: reading.seq, ts, values: reading.values });
    const latest = reported.at(-1)!;
    hub.sensorReading(sensorId, last ? { ts, seq: last.seq, values: last.values } : { ts, values: latest }, latestRaw);
  }
}
