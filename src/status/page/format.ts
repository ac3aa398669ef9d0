// How the status page prints figures: durations and ages in words a technician reads at a glance,
// byte sizes, and values with the units of design.md.
import { unitOf } from './units.js';

/** "12 s", "4 min 05 s", "3 h 12 min", "2 d 4 h". */
export function duration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function ago(ms: number): string {
  return `${duration(ms)} ago`;
}

export function bytes(count: number): string {
  if (count < 1024) return `${count} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = count / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** "21.53 °C"; GPIO levels as HIGH/LOW. Numbers arrive rounded to the sensor's resolution. */
export function reading(name: string, value: number): string {
  if (/^level\d*$/.test(name)) return value ? 'HIGH (1)' : 'LOW (0)';
  const unit = unitOf(name);
  return unit ? `${value} ${unit}` : String(value);
}

/** A wall-clock time in the device's own zone would be a guess: show UTC, and say so. */
export function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
