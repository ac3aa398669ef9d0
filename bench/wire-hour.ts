// One hour of a typical room on the wire (issue 19): a slowly drifting temperature and humidity
// (one SHT3x-like sensor) and a door contact, each sampled every 2 s, without filters and with
// `delta` + `heartbeat` (README, "Filters"). The samples are synthetic but deterministic: the
// temperature drifts +0.8 °C over the hour with ±0.03 °C noise, the humidity -3 %RH with ±0.15 %RH,
// the door opens four times for 20 s. The filters are the agent's own (parsed config, SensorFilters).
import type { Reading } from '../src/buffer/types.js';
import { parseConfig } from '../src/config/load.js';
import { filtersFor } from '../src/sampling/reading-intake.js';
import { findDriver } from '../src/sensors/registry.js';
import type { Values } from '../src/sensors/types.js';

export const SAMPLE_MS = 2000;
export const HOUR_MS = 3_600_000;
export const FILTERS_YAML = {
  climate: { temperature: [{ delta: 0.2, heartbeat: '5m' }], humidity: [{ delta: 1, heartbeat: '5m' }] },
  door: { all: [{ delta: 1, heartbeat: '5m' }] },
};

/** A small linear congruential generator: the same noise on every run. */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

const round2 = (value: number): number => Math.round(value * 100) / 100;
const DOOR_OPEN_MINUTES = [7, 19, 33, 48];

/** The hour's samples: [sensor, ts, values] in sampling order. */
export function hourOfSamples(t0: number): Array<{ sensor: string; ts: number; values: Values }> {
  const random = noise(19);
  const samples: Array<{ sensor: string; ts: number; values: Values }> = [];
  for (let at = 0; at < HOUR_MS; at += SAMPLE_MS) {
    const ts = t0 + at;
    const temperature = round2(21 + (0.8 * at) / HOUR_MS + 0.06 * random());
    const humidity = round2(45 - (3 * at) / HOUR_MS + 0.3 * random());
    const open = DOOR_OPEN_MINUTES.some((minute) => at >= minute * 60_000 && at < minute * 60_000 + 20_000);
    samples.push({ sensor: 'climate', ts, values: { temperature, humidity } }, { sensor: 'door', ts, values: { level: open ? 1 : 0 } });
  }
  return samples;
}

/** The readings the agent stores for that hour, with or without the filters. */
export function hourOfReadings(t0: number, filtered: boolean): Reading[] {
  const samples = hourOfSamples(t0);
  if (!filtered) return samples;
  const config = parseConfig(
    {
      sensors: [
        { id: 'climate', driver: 'sht3x', interval: '2s', filters: FILTERS_YAML.climate },
        { id: 'door', driver: 'gpio-input', pin: 17, interval: '2s', filters: FILTERS_YAML.door },
      ],
    },
    { env: {}, baseDir: '/', hostname: 'bench' },
  );
  const chains = new Map(config.sensors.map((sensor) => [sensor.id, filtersFor(sensor, findDriver(sensor.driver))!]));
  const readings: Reading[] = [];
  for (const sample of samples) {
    const values = chains.get(sample.sensor)!.apply(sample.values, sample.ts - t0);
    if (values) readings.push({ ...sample, values });
  }
  return readings;
}
