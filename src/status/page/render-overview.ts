// The page's overview cards: the device (version, uptime, addresses, clock), the MQTT link and
// the buffer. `now` is the device's time at render, so ages do not depend on the phone's clock.
/// <reference lib="dom" />
import type { StatusSnapshot } from '../status-types.js';
import { h, facts, type Child } from './dom.js';
import { ago, bytes, count, duration, utc } from './format.js';
import { explain } from './plain-words.js';

function chip(ok: boolean, text: string, warn = false): HTMLElement {
  return h('span', { class: `chip ${ok ? 'ok' : warn ? 'warn' : 'bad'}` }, text);
}

function clock(status: StatusSnapshot, now: number): Child {
  const { plausible, synchronized } = status.clock;
  if (!plausible) return h('span', {}, chip(false, 'wrong'), ` ${utc(now)}`);
  const state = synchronized === true ? chip(true, 'synchronized') : synchronized === false ? chip(false, 'not synchronized') : chip(false, 'not verified', true);
  const steps = status.clock.lastStep ? ` · stepped ${Math.round(status.clock.lastStep.byMs / 1000)} s` : '';
  return h('span', {}, state, ` ${utc(now)}${steps}`);
}

export function deviceCard(status: StatusSnapshot, now: number): HTMLElement {
  const addresses = status.addresses.length === 0 ? 'none found' : h('span', {}, ...status.addresses.flatMap((address, index) => [index ? h('br') : null, address]));
  return h(
    'section',
    { class: 'card', id: 'device-card' },
    h('h3', {}, 'Device'),
    facts([
      ['Device id', status.device],
      ['Version', status.version],
      ['Uptime', duration(status.uptimeSeconds * 1000 + (now - status.time))],
      ['Addresses', addresses],
      ['Clock', clock(status, now)],
    ]),
  );
}

export function mqttCard(status: StatusSnapshot, now: number): HTMLElement {
  const { mqtt } = status;
  const state = mqtt.connected ? chip(true, 'Connected') : chip(false, 'Disconnected');
  const since = mqtt.since === null ? null : `${mqtt.connected ? 'connected' : 'down'} for ${duration(now - mqtt.since)}`;
  return h(
    'section',
    { class: `card${mqtt.connected ? '' : ' bad'}`, id: 'mqtt-card' },
    h('h3', {}, 'MQTT link ', state),
    facts([
      ['Broker', mqtt.url],
      ['State', since ?? 'connecting…'],
      ['Published', count(mqtt.published)],
      ['In flight', count(mqtt.inflight)],
      ['Reconnects', count(mqtt.reconnects)],
    ]),
    mqtt.lastError && lastError(mqtt.lastError),
  );
}

function lastError(message: string): HTMLElement {
  const words = explain(message);
  return h('p', { class: 'err' }, `Last error: ${words}`, words === message ? null : h('span', { class: 'raw' }, message));
}

export function bufferCard(status: StatusSnapshot, now: number): HTMLElement {
  const { buffer } = status;
  const used = buffer.maxBytes > 0 ? Math.min(1, buffer.bytes / buffer.maxBytes) : 0;
  const fillLevel = h('span');
  // Through the CSSOM: the page's CSP blocks style attributes, not style properties.
  fillLevel.style.width = `${(used * 100).toFixed(1)}%`;
  const bar = h('div', { class: 'bar', role: 'img', 'aria-label': `${Math.round(used * 100)} % of the limit` }, fillLevel);
  const trouble = buffer.writeFailing || buffer.dropped > 0;
  return h(
    'section',
    { class: `card${trouble ? ' bad' : ''}`, id: 'buffer-card' },
    h('h3', {}, 'Buffer ', buffer.writeFailing ? chip(false, 'write failing') : chip(true, 'OK')),
    facts([
      ['Waiting', `${count(buffer.backlog)} reading(s)`],
      ['Oldest waiting', buffer.oldestTs === null ? 'none' : ago(now - buffer.oldestTs)],
      ['Size', h('span', {}, `${bytes(buffer.bytes)} of ${bytes(buffer.maxBytes)}`, bar)],
      ['Dropped', count(buffer.dropped)],
      // Epoch 1+ only after a power cut took back published seqs (README, payloads).
      ['Last seq', buffer.epoch > 0 ? `${count(buffer.lastSeq)} (epoch ${buffer.epoch})` : count(buffer.lastSeq)],
    ]),
  );
}
