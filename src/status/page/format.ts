// How the status page prints figures: durations and ages in words a technician reads at a glance,
// byte sizes, counts with their noun, and values with the units of design.md.
// Numbers stay with their units: the spaces inside a duration or a size are non-breaking, so a
// narrow screen never leaves a lone "s" on a line of its own.
import { shortUnit, unitOf } from './units.js';

/** A non-breaking space. */
const NB = '\u00a0';

/** "12 s", "4 min 05 s", "3 h 12 min", "2 d 4 h", with non-breaking spaces. */
export function duration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}${NB}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}${NB}min${NB}${String(seconds % 60).padStart(2, '0')}${NB}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}${NB}h${NB}${String(minutes % 60).padStart(2, '0')}${NB}min`;
  return `${Math.floor(hours / 24)}${NB}d${NB}${hours % 24}${NB}h`;
}

export function ago(ms: number): string {
  return `${duration(ms)} ago`;
}

/**
 * Decimal units, as the config reads them (store.maxBytes: 64MB is 64,000,000 bytes and shows
 * as "64 MB"): kB, MB, GB are powers of 1000 everywhere the agent prints a size.
 */
export function bytes(count: number): string {
  if (count < 1000) return `${count}${NB}B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = count / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)}${NB}${units[unit]}`;
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** "1 reading", "0 readings", "1,204 readings". */
export function counted(value: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count(value)} ${value === 1 ? noun : pluralNoun}`;
}

/** "21.53 °C"; GPIO levels as HIGH/LOW; the system driver's uptime as a duration. `declared`: the unit the sensor's driver gives this value. */
export function reading(name: string, value: number, declared?: string): string {
  if (/^level\d*$/.test(name)) return value ? 'HIGH (1)' : 'LOW (0)';
  if (name === 'uptime') return duration(value * 1000);
  const unit = declared !== undefined ? shortUnit(declared) : unitOf(name);
  return unit ? `${value}${NB}${unit}` : String(value);
}

/** A wall-clock time in the device's own zone would be a guess: show UTC, and say so. */
export function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
