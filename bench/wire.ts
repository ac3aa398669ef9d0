// Wire: bytes per reading on the wire (both directions, counted at a TCP proxy) for the default
// payload over MQTT 3.1.1, with MQTT 5 topic aliases, and with batches of 10 and 50.
// Usage: node --import tsx bench/wire.ts --readings 2000
import { startMosquitto, mosquittoMissingReason, startAedes, type TestBroker } from '../test/helpers/broker.js';
import { startTcpProxy } from '../test/helpers/tcp-proxy.js';
import { startPublisherRig, until } from '../test/helpers/publisher-rig.js';
import { arg, report, round, VALUES } from './lib.js';

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

const plain = await bytesPerReading(4);
const aliases = mosquitto ? await bytesPerReading(5) : Number.NaN;
const batch10 = await bytesPerReading(mosquitto ? 5 : 4, 10);
const batch50 = await bytesPerReading(mosquitto ? 5 : 4, 50);
await broker.stop();
const payload = Buffer.byteLength(`{"seq":18234,"ts":1764000000123,"v":${JSON.stringify(VALUES)}}`);
report('wire', { readings, qos: 1, payloadBytes: payload }, [
  { figure: 'wire bytes/reading, default (MQTT 3.1.1)', value: round(plain, 1), unit: 'B', baseline: payload, baselineWhat: 'payload alone', ratio: round(plain / payload), goal: '≤ 125 B' },
  { figure: 'wire bytes/reading, MQTT 5 topic aliases', value: round(aliases, 1), unit: 'B', baseline: round(plain, 1), baselineWhat: 'default', ratio: round(aliases / plain), goal: '≤ 94 B' },
  { figure: 'wire bytes/reading, batches of 10', value: round(batch10, 1), unit: 'B', baseline: round(plain, 1), baselineWhat: 'default', ratio: round(batch10 / plain), goal: '≤ 55 B' },
  { figure: 'wire bytes/reading, batches of 50', value: round(batch50, 1), unit: 'B', baseline: round(plain, 1), baselineWhat: 'default', ratio: round(batch50 / plain), goal: '≤ 55 B' },
]);
