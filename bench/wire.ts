// Wire: bytes per reading on the wire (both directions, counted at a TCP proxy) for the default
// payload over MQTT 3.1.1, with MQTT 5 topic aliases, and with batches of 10 and 50; and bytes per
// hour of a room (temperature, humidity, door contact every 2 s) with and without delta + heartbeat.
// Usage: node --import tsx bench/wire.ts --readings 2000
import { startMosquitto, mosquittoMissingReason, startAedes, type TestBroker } from '../test/helpers/broker.js';
import { startTcpProxy } from '../test/helpers/tcp-proxy.js';
import { startPublisherRig, until } from '../test/helpers/publisher-rig.js';
import { arg, report, round, VALUES } from './lib.js';
import { hourOfReadings } from './wire-hour.js';
import type { Reading } from '../src/buffer/types.js';

const readings = arg('readings', 2000);
const mosquitto = mosquittoMissingReason() === null;
const broker: TestBroker = mosquitto ? await startMosquitto() : await startAedes();

async function bytesPerReading(protocolVersion: 4 | 5, batch?: number): Promise<number> {
  const proxy = await startTcpProxy(broker.port);
  const rig = await startPublisherRig({ brokerUrl: proxy.url, protocolVersion, qos: 1, sensors: [{ id: 'greenhouse' }], ...(batch ? { batch: { maxReadings: batch, maxDelayMs: 2000 } } : {}) });
  // A realistic topic: sensors/<device id>/<sensor id>.
  (rig.publisher as unknown as { options: { routes: { for(id: string): { topic: string } } } }).options.routes.for('greenhouse').topic = 'sensors/pi-greenhouse/greenhouse';
  await rig.waitConnected();
  await until(() => proxy.bytesDown > 0, 5000, 'the CONNACK');
  await new Promise((resolve) => setTimeout(resolve, 200)); // birth message and its ack
  const before = proxy.bytesUp + proxy.bytesDown;
  const ts = Date.now();
  // Sampled once a second (batches carry ts differences: 1000, not 1).
  await Promise.all(Array.from({ length: readings }, (_, i) => rig.buffer.append({ sensor: 'greenhouse', ts: ts + i * 1000, values: VALUES })));
  await until(() => rig.buffer.stats().backlog === 0, 60_000, 'an empty backlog');
  const perReading = (proxy.bytesUp + proxy.bytesDown - before) / readings;
  await rig.stop();
  await proxy.stop();
  return perReading;
}

/** Wire bytes (both directions) for publishing `hour`, over MQTT 3.1.1 at QoS 1, as the agent does. */
async function bytesForHour(hour: Reading[], batch?: number): Promise<number> {
  const proxy = await startTcpProxy(broker.port);
  const sensors = [{ id: 'climate' }, { id: 'door' }];
  const rig = await startPublisherRig({ brokerUrl: proxy.url, protocolVersion: 4, qos: 1, sensors, ...(batch ? { batch: { maxReadings: batch, maxDelayMs: 60_000 } } : {}) });
  for (const { id } of sensors) (rig.publisher as unknown as { options: { routes: { for(id: string): { topic: string } } } }).options.routes.for(id).topic = `sensors/pi-greenhouse/${id}`;
  await rig.waitConnected();
  await until(() => proxy.bytesDown > 0, 5000, 'the CONNACK');
  await new Promise((resolve) => setTimeout(resolve, 200)); // birth message and its ack
  const before = proxy.bytesUp + proxy.bytesDown;
  await Promise.all(hour.map((reading) => rig.buffer.append(reading)));
  await until(() => rig.buffer.stats().backlog === 0, 60_000, 'an empty backlog');
  const bytes = proxy.bytesUp + proxy.bytesDown - before;
  await rig.stop();
  await proxy.stop();
  return bytes;
}

const plain = await bytesPerReading(4);
const aliases = mosquitto ? await bytesPerReading(5) : Number.NaN;
const batch10 = await bytesPerReading(mosquitto ? 5 : 4, 10);
const batch50 = await bytesPerReading(mosquitto ? 5 : 4, 50);
const t0 = Date.now();
const hourRaw = hourOfReadings(t0, false);
const hourFiltered = hourOfReadings(t0, true);
const hourPlain = await bytesForHour(hourRaw);
// Batches of 30 with a 60 s maxDelay: one per sensor per minute at 2 s (the whole hour is appended at once, which batches the same way).
const hourBatched = await bytesForHour(hourRaw, 30);
const hourDelta = await bytesForHour(hourFiltered);
await broker.stop();
const payload = Buffer.byteLength(`{"seq":18234,"ts":1764000000123,"v":${JSON.stringify(VALUES)}}`);
report('wire', { readings, qos: 1, payloadBytes: payload, roomReadingsPerHour: hourRaw.length, roomReadingsPerHourWithDelta: hourFiltered.length }, [
  { figure: 'wire bytes/reading, default (MQTT 3.1.1)', value: round(plain, 1), unit: 'B', baseline: payload, baselineWhat: 'payload alone', ratio: round(plain / payload), goal: '≤ 125 B' },
  { figure: 'wire bytes/reading, MQTT 5 topic aliases', value: round(aliases, 1), unit: 'B', baseline: round(plain, 1), baselineWhat: 'default', ratio: round(aliases / plain), goal: '≤ 94 B' },
  { figure: 'wire bytes/reading, batches of 10', value: round(batch10, 1), unit: 'B', baseline: round(plain, 1), baselineWhat: 'default', ratio: round(batch10 / plain), goal: '≤ 55 B' },
  { figure: 'wire bytes/reading, batches of 50', value: round(batch50, 1), unit: 'B', baseline: round(plain, 1), baselineWhat: 'default', ratio: round(batch50 / plain), goal: '≤ 55 B' },
  { figure: `wire bytes/hour, room (temperature, humidity, door every 2 s: ${hourRaw.length} readings), default (MQTT 3.1.1)`, value: Math.round(hourPlain), unit: 'B', baseline: round(hourPlain / hourRaw.length, 1), baselineWhat: 'B/reading', ratio: undefined, goal: undefined },
  { figure: 'wire bytes/hour, room, batches of 30 (maxDelay 60 s)', value: Math.round(hourBatched), unit: 'B', baseline: Math.round(hourPlain), baselineWhat: 'default', ratio: round(hourBatched / hourPlain, 3), goal: undefined },
  { figure: `wire bytes/hour, room with delta + heartbeat 5m (${hourFiltered.length} readings), default`, value: Math.round(hourDelta), unit: 'B', baseline: Math.round(hourPlain), baselineWhat: 'default, no filters', ratio: round(hourDelta / hourPlain, 3), goal: undefined },
]);
