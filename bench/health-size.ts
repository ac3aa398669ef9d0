// Health message size: the bytes of the retained `<topicPrefix>/health` message (issue 22) as the
// agent really sends it (in-process, against Aedes, read by a subscriber), for 1 and 20 sensors
// all ok and for 20 sensors all failed (each failed id listed with its error code), the PUBLISH
// packet it takes on the wire (MQTT 3.1.1, QoS 1), and the bytes per hour at the default 60 s.
// Sensor ids are `sensor-01` ... `sensor-20`, the device id `pi-greenhouse-07`.
// Usage: node --import tsx bench/health-size.ts
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { startAgent } from '../src/agent.js';
import { parseConfig } from '../src/config/load.js';
import { publishPacketSize } from '../src/mqtt/broker-limits.js';
import { startAedes } from '../test/helpers/broker.js';
import { until } from '../test/helpers/poll.js';
import { makeTempDir } from '../test/helpers/temp-dir.js';
import { report, round } from './lib.js';

const DEVICE = 'pi-greenhouse-07';
const TOPIC = `sensors/${DEVICE}/health`;
const PUBACK_BYTES = 4;
const broker = await startAedes();

/** The health payload and the birth payload the agent sends with `count` sensors, once every one is ok (or failed). */
async function measure(count: number, failing: boolean): Promise<{ health: string; birth: string }> {
  const dir = await makeTempDir('bench-health-');
  const ids = Array.from({ length: count }, (_, i) => `sensor-${String(i + 1).padStart(2, '0')}`);
  const sensors = ids.map((id) => (failing ? { id, driver: 'ds18b20', deviceId: '28-0316a2790dff', interval: '1h' } : { id, driver: 'simulated', interval: '1h' }));
  const config = parseConfig(
    { device: { id: DEVICE }, mqtt: { url: broker.url, protocolVersion: 4 }, store: { path: 'buffer' }, status: { listen: 'off' }, hardware: { oneWireRoot: join(dir.path, 'no-w1') }, sensors },
    { env: {}, baseDir: dir.path, hostname: DEVICE },
  );
  const client = await mqtt.connectAsync(broker.url, { clientId: `bench-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
  const seen = new Map<string, string>();
  client.on('message', (topic, payload) => void seen.set(topic, payload.toString()));
  await client.subscribeAsync([TOPIC, `sensors/${DEVICE}/status`], { qos: 1 });
  const agent = await startAgent(config, pino({ level: 'silent' }));
  const settled = (text: string | undefined): boolean => {
    const sensorsPart = text === undefined ? undefined : (JSON.parse(text) as { sensors: { ok: number; failed: Record<string, string> } }).sensors;
    return sensorsPart !== undefined && (failing ? Object.keys(sensorsPart.failed).length === count : sensorsPart.ok === count);
  };
  await until(() => settled(seen.get(TOPIC)), 60_000, 'a health message with every sensor settled', 50);
  const result = { health: seen.get(TOPIC)!, birth: seen.get(`sensors/${DEVICE}/status`)! };
  await agent.stop();
  await client.endAsync(true);
  // Retained: the next case must not see this one's message.
  const clear = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  await clear.publishAsync(TOPIC, '', { qos: 1, retain: true });
  await clear.endAsync(true);
  await dir.cleanup();
  return result;
}

const one = await measure(1, false);
const twenty = await measure(20, false);
const failed = await measure(20, true);
await broker.stop();
const bytes = (text: string): number => Buffer.byteLength(text);
const packet = (text: string): number => publishPacketSize(TOPIC, text, 1, 4);
const perHour = (text: string): number => (packet(text) + PUBACK_BYTES) * 60;
report('health-size', { device: DEVICE, topic: TOPIC, protocolVersion: 4, qos: 1, sample1: one.health, sample20Failed: failed.health }, [
  { figure: 'health message, 1 sensor ok: payload bytes', value: bytes(one.health), unit: 'B', baseline: bytes(one.birth), baselineWhat: 'birth message', ratio: round(bytes(one.health) / bytes(one.birth)), goal: '≤ 1 KB' },
  { figure: 'health message, 20 sensors ok: payload bytes', value: bytes(twenty.health), unit: 'B', baseline: bytes(one.health), baselineWhat: '1 sensor', ratio: round(bytes(twenty.health) / bytes(one.health)), goal: '≤ 1 KB' },
  { figure: 'health message, 20 sensors all failed (ids + codes): payload bytes', value: bytes(failed.health), unit: 'B', baseline: bytes(twenty.health), baselineWhat: '20 ok', ratio: round(bytes(failed.health) / bytes(twenty.health)), goal: '≤ 2 KB' },
  { figure: 'health PUBLISH packet, 20 sensors ok (MQTT 3.1.1, QoS 1)', value: packet(twenty.health), unit: 'B', baseline: bytes(twenty.health), baselineWhat: 'payload', ratio: round(packet(twenty.health) / bytes(twenty.health)), goal: undefined },
  { figure: 'health wire bytes/hour at mqtt.healthInterval 60s, 20 sensors ok (PUBLISH + PUBACK)', value: perHour(twenty.health), unit: 'B', baseline: undefined, baselineWhat: undefined, ratio: undefined, goal: undefined },
]);
