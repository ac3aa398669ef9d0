// Settings that are valid but almost surely not what was meant: the config loads, and each of
// these is said once (check-config and doctor print it, run logs it at warn level).
// A bare number is milliseconds (README), so `interval: 10` samples 100 times a second.
import { formatPath, isRecord, type KeyPath } from './keys.js';

/** Durations where a bare number below one second is a likely slip for seconds. */
const SECONDS_KEYS: readonly KeyPath[] = [['store', 'commitInterval'], ['mqtt', 'reconnect', 'min'], ['mqtt', 'reconnect', 'max'], ['mqtt', 'batch', 'maxDelay']];

function bareMs(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*\d+(?:\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

function slip(path: KeyPath, value: unknown): string | undefined {
  const ms = bareMs(value);
  if (ms === undefined || ms >= 1000) return undefined;
  return `${formatPath(path)}: ${JSON.stringify(value)} is ${ms} ms (a bare number means milliseconds; write ${ms}s for ${ms} seconds, or ${ms}ms to keep it and silence this)`;
}

function at(raw: Record<string, unknown>, path: KeyPath): unknown {
  let value: unknown = raw;
  for (const key of path) value = isRecord(value) ? value[String(key)] : undefined;
  return value;
}

/** One line per likely slip in the raw (parsed, env-overridden) config. */
export function configWarnings(raw: Record<string, unknown>): string[] {
  const found: string[] = [];
  const sensors = Array.isArray(raw.sensors) ? (raw.sensors as unknown[]) : [];
  sensors.forEach((sensor, index) => {
    if (!isRecord(sensor)) return;
    const line = slip(['sensors', index, 'interval'], sensor.interval);
    if (line) found.push(line);
  });
  for (const path of SECONDS_KEYS) {
    const line = slip(path, at(raw, path));
    if (line) found.push(line);
  }
  return found;
}
