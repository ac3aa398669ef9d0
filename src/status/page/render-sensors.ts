// One card per sensor (latest values with units, sparklines, age, state, last error), and the
// GPIO section: every value named `level` or `levelN`, from whichever driver reports it.
/// <reference lib="dom" />
import type { History } from '../history.js';
import type { SensorStatus } from '../status-types.js';
import { h } from './dom.js';
import { ago, count, reading } from './format.js';
import { sparkline } from './sparkline.js';

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
    const rawNote = raw !== undefined && raw !== value ? h('span', { class: 'raw-value', 'data-raw': name }, `raw ${reading(name, raw)}`) : null;
    values.appendChild(
      h('li', { 'data-value': name }, h('span', { class: 'name' }, name), h('span', { class: 'num' }, reading(name, value)), rawNote, sparkline(history.series(sensor.id, name, now), now, label)),
    );
  }
  return h(
    'section',
    { class: `card${sensor.state === 'failed' ? ' bad' : ''}`, 'data-sensor': sensor.id },
    h('h3', {}, `${sensor.id} `, stateChip(sensor)),
    h('p', { class: 'meta' }, `${sensor.driver} · `, last ? `last reading ${ago(now - last.ts)}` : 'no reading yet', ` · ${count(sensor.readingsAccepted)} stored`),
    last && values,
    sensor.lastError && h('p', { class: 'err' }, `Last error (${count(sensor.failures)} failures): ${sensor.lastError}`),
  );
}

export function gpioLines(sensors: SensorStatus[]): HTMLElement {
  const lines = h('ul', { class: 'gpio' });
  for (const sensor of sensors) {
    for (const [name, value] of Object.entries(sensor.lastReading?.values ?? {})) {
      if (!isLevel(name)) continue;
      const label = name === 'level' ? sensor.id : `${sensor.id} ${name}`;
      lines.appendChild(h('li', { 'data-gpio': label }, `${label}: `, h('strong', {}, reading(name, value))));
    }
  }
  return lines.childElementCount > 0 ? lines : h('p', { class: 'note' }, 'No GPIO inputs configured.');
}
