// The drain baseline: a bare MQTT.js loop publishing the same payloads with the same in-flight window.
// Prints {"ms":..,"firstAckMs":..,"rssMax":..,"cpuMs":..} (cpuMs: this process's user + system CPU over the loop). Usage: node bench/bare-drain.mjs URL QOS COUNT WINDOW TOPIC
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';

const [url, qosText, countText, windowText, topic] = process.argv.slice(2);
const qos = Number(qosText);
const count = Number(countText);
const window = Number(windowText);
const client = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, clean: true });
const started = performance.now();
const cpuStarted = process.cpuUsage();
let sent = 0;
let acked = 0;
let firstAckMs = -1;
let rssMax = 0;
const ts = Date.now();
await new Promise((resolve) => {
  const pump = () => {
    while (sent < count && sent - acked < window) {
      const seq = ++sent;
      const payload = `{"seq":${seq},"ts":${ts + seq},"v":{"temperature":21.53,"humidity":40.2}}`;
      client.publish(topic, payload, { qos }, () => {
        acked++;
        if (firstAckMs < 0) firstAckMs = performance.now() - started;
        if ((acked & 1023) === 0) rssMax = Math.max(rssMax, process.memoryUsage.rss());
        if (acked === count) resolve();
        else pump();
      });
    }
  };
  pump();
});
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuStarted);
const cpuMs = (cpu.user + cpu.system) / 1000;
await client.endAsync();
process.stdout.write(`${JSON.stringify({ ms, firstAckMs, rssMax, cpuMs })}\n`);
