// The steady-state baseline: a bare MQTT.js client publishing the same payloads at the same rate
// (SENSORS topics, each once per INTERVAL_MS) at QoS 1, until killed. Nothing on disk.
// Usage: node bench/bare-steady.mjs URL SENSORS INTERVAL_MS TOPIC_PREFIX
import mqtt from 'mqtt';

const [url, sensorsText, intervalText, prefix] = process.argv.slice(2);
const sensors = Number(sensorsText);
const intervalMs = Number(intervalText);
const client = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, clean: true });
let seq = 0;
for (let i = 0; i < sensors; i++) {
  const topic = `${prefix}/s${i}`;
  setInterval(() => {
    const ts = Date.now();
    const payload = `{"seq":${++seq},"ts":${ts},"v":{"value":${(50 + 50 * Math.sin(ts / 9549)).toFixed(2)}}}`;
    client.publish(topic, payload, { qos: 1 });
  }, intervalMs);
}
process.stdout.write('ready\n');
process.on('SIGTERM', () => void client.endAsync(true).then(() => process.exit(0)));
