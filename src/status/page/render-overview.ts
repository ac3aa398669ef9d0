// The page's overview cards: the device (version, uptime, addresses, clock), the MQTT link and
// the buffer. `now` is the device's time at render, so ages do not depend on the phone's clock.
/// <reference lib="dom" />
import type { StatusSnapshot } from '../status-types.js';
import { h, facts, type Child } from './dom.js';
import { ago, bytes, count, counted, duration, utc } from './format.js';
import { breakable } from './breakable.js';
import { explain } from './plain-words.js';
import { retrying } from './verdict.js';

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
      // From startedAt on the same clock as the MQTT card's "connected for": the two agree.
      ['Uptime', duration(now - status.startedAt)],
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
      // While down: that it keeps trying, how often it has, and when next.
      ['Retrying', mqtt.connected ? null : retrying(mqtt, now)],
      ['Published', count(mqtt.published)],
      ['In flight', count(mqtt.inflight)],
      ['Reconnects', count(mqtt.reconnects)],
      ...limitFacts(mqtt),
    ]),
    mqtt.lastError && lastError(mqtt.lastError),
    mqtt.lastRefusal && mqtt.lastRefusal.inARow > 0 ? h('p', { class: 'err' }, `Broker refused a publish: ${mqtt.lastRefusal.reason} (${mqtt.lastRefusal.topic}, ${count(mqtt.lastRefusal.inARow)} in a row; retrying)`) : null,
  );
}

/** The broker's limits on this connection (README, "MQTT conformance"). */
function limitFacts(mqtt: StatusSnapshot['mqtt']): Array<[string, Child]> {
  const limits = mqtt.limits;
  if (limits === null) return [];
  const facts: Array<[string, Child]> = [
    ['Protocol', limits.protocolVersion === 5 ? 'MQTT 5' : 'MQTT 3.1.1'],
    ['Window', `${count(limits.window)} in flight${limits.receiveMaximum === null ? '' : ` (broker: ${count(limits.receiveMaximum)})`}`],
    ['Max packet', bytes(limits.maxPacketSize)],
  ];
  if (limits.maximumQoS < 2) facts.push(['Max QoS', String(limits.maximumQoS)]);
  if (!limits.retainAvailable) facts.push(['Retain', 'not available']);
  if (mqtt.unsendable > 0) facts.push(['Too large', `${count(mqtt.unsendable)} reading(s) taken out`]);
  if (mqtt.refusals > 0) facts.push(['Refused', count(mqtt.refusals)]);
  return facts;
}

function lastError(message: string): HTMLElement {
  const words = explain(message);
  return h('p', { class: 'err' }, 'Last error: ', breakable(words), words === message ? null : h('span', { class: 'raw' }, breakable(message)));
}

/** `4,128 readings in 258 summaries (16–32 each), sampled 3 d ago to 2 h ago` (store.overflow: downsample). */
export function summarizedText(buffer: StatusSnapshot['buffer'], now: number): string {
  const window = buffer.summaryWindow;
  const each = window ? (window.min === window.max ? ` (${count(window.min)} each)` : ` (${count(window.min)}–${count(window.max)} each)`) : '';
  const range = buffer.summarizedRange;
  const span = range ? `, sampled ${ago(now - range.ts[0])} to ${ago(now - range.ts[1])}` : '';
  return `${counted(buffer.summarized ?? 0, 'reading')} in ${counted(buffer.summaries ?? 0, 'summary', 'summaries')}${each}${span}`;
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
      ['Waiting', buffer.highBacklog > 0 ? `${counted(buffer.backlog, 'reading')} (${count(buffer.highBacklog)} high priority)` : counted(buffer.backlog, 'reading')],
      ['Oldest waiting', buffer.oldestTs === null ? 'none' : ago(now - buffer.oldestTs)],
      ['Size', h('span', {}, `${bytes(buffer.bytes)} of ${bytes(buffer.maxBytes)}`, bar)],
      ['Dropped', buffer.droppedHigh > 0 ? `${count(buffer.dropped)} (${count(buffer.droppedHigh)} high priority)` : count(buffer.dropped)],
      // store.overflow downsample: how much of the waiting history is summaries, and over what span.
      ...(buffer.summaries ? [['Summarized', summarizedText(buffer, now)] as [string, string]] : []),
      // Epoch 1+ only after a power cut took back published seqs (README, payloads).
      ['Last seq', buffer.epoch > 0 ? `${count(buffer.lastSeq)} (epoch ${buffer.epoch})` : count(buffer.lastSeq)],
    ]),
  );
}
