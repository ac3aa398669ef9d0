// One card per sensor (latest values with labels and units, sparklines, age, state, last error),
// and the GPIO section: every configured GPIO input (from the sensor list, so a failing one is
// there too), and every value named `level` or `levelN`, from whichever driver reports it.
/// <reference lib="dom" />
import type { History } from '../history.js';
import type { SensorStatus } from '../status-types.js';
import { h } from './dom.js';
import { ago, counted, reading } from './format.js';
import { breakable } from './breakable.js';
import { errorHelp } from './error-help.js';
import { sparkline } from './sparkline.js';
import { labelOf } from './units.js';

const isLevel = (name: string): boolean => /^level\d*$/.test(name);

function stateChip(sensor: SensorStatus): HTMLElement {
  const words = { ok: 'OK', failed: 'Failing', starting: 'Starting' } as const;
  const tone = sensor.state === 'ok' ? 'ok' : sensor.state === 'failed' ? 'bad' : 'warn';
  return h('span', { class: `chip ${tone}` }, words[sensor.state]);
}

export function sensorCard(sensor: SensorStatus, history: History, now: number): HTMLElement {
  const last = sensor.lastReading;
  const values = h('ul', { class: 'values' });
  for (const [name, value] of Object.entries(last?.values ?? {})) {
    const label = `${sensor.id} ${name}`;
    // The driver's own value beside the reported one, so a calibration can be checked on site.
    const raw = sensor.lastRaw?.values[name];
    const rawNote = raw !== undefined && raw !== value ? h('span', { class: 'raw-value', 'data-raw': name }, `raw ${reading(name, raw, sensor.units?.[name])}`) : null;
    values.appendChild(
      h('li', { 'data-value': name }, h('span', { class: 'name' }, labelOf(name)), h('span', { class: 'num' }, reading(name, value, sensor.units?.[name])), rawNote, sparkline(history.series(sensor.id, name, now), now, label)),
    );
  }
  return h(
    'section',
    { class: `card${sensor.state === 'failed' ? ' bad' : ''}`, 'data-sensor': sensor.id },
    h('h3', {}, `${sensor.id} `, stateChip(sensor)),
    h('p', { class: 'meta' }, `${sensor.driver} · `, last ? `last reading ${ago(now - last.ts)}` : 'no reading yet', ` · ${counted(sensor.readingsAccepted, 'reading')} stored`),
    last && values,
    sensor.lastError && h('p', { class: 'err' }, `Last error (${counted(sensor.failures, 'failure')}): `, breakable(sensor.lastError)),
    helpLine(sensor.lastError),
  );
}

/** What to do about the last error, named by its code (from the error catalogue). */
function helpLine(lastError: string | null): HTMLElement | null {
  const help = errorHelp(lastError);
  return help ? h('p', { class: 'err-help', 'data-code': help.code }, h('code', {}, help.code), `: ${help.action}`) : null;
}

/** The state of a GPIO input that has no level to show: failing, starting, or counting. */
function noLevel(sensor: SensorStatus, now: number): HTMLElement {
  if (sensor.state === 'failed') return h('strong', { class: 'bad' }, 'failing');
  if (sensor.lastReading) return h('strong', {}, `counting, last reading ${ago(now - sensor.lastReading.ts)}`);
  return h('strong', {}, 'no reading yet');
}

export function gpioLines(sensors: SensorStatus[], now: number): HTMLElement {
  const lines = h('ul', { class: 'gpio' });
  for (const sensor of sensors) {
    const levels = Object.entries(sensor.lastReading?.values ?? {}).filter(([name]) => isLevel(name));
    // A configured input is listed whatever it reported (a counter has no level, a failing line no reading).
    if (levels.length === 0 && sensor.driver === 'gpio-input') {
      lines.appendChild(h('li', { 'data-gpio': sensor.id }, `${sensor.id}: `, noLevel(sensor, now)));
    }
    for (const [name, value] of levels) {
      const label = name === 'level' ? sensor.id : `${sensor.id} ${name}`;
      const failing = sensor.state === 'failed' ? h('span', { class: 'bad' }, ' (failing; last known)') : null;
      lines.appendChild(h('li', { 'data-gpio': label }, `${label}: `, h('strong', {}, reading(name, value)), failing));
    }
  }
  return lines.childElementCount > 0 ? lines : h('p', { class: 'note' }, 'No GPIO inputs configured.');
}
