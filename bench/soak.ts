// Soak: the built daemon offline for --seconds (default an hour; SOAK_SECONDS to shorten) at 100
// readings/s, then the broker comes up and the whole backlog drains: RSS growth over the offline
// time (RSS after a 10 s warm-up → RSS at the end of it), the buffer within its cap, and zero loss
// (every seq accepted before the broker came up arrives at a QoS 1 subscriber, none dropped). Run by `node bench/run.mjs --soak`.
// Usage: node --import tsx bench/soak.ts --seconds 3600 --rate 100
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { freePort, startMosquitto, mosquittoMissingReason, startAedes, type TestBroker } from '../test/helpers/broker.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, startChildAgent, writeConfig } from '../test/helpers/child-agent.js';
import { arg, mb, procFigures, PRODUCT_NODE_ARGS, report, round, sampleRss } from './lib.js';

const seconds = arg('seconds', Number(process.env.SOAK_SECONDS ?? 3600));
const rate = arg('rate', 100);
const maxBytes = arg('max-bytes', 64_000_000);
const warmupMs = 10_000;
const mosquitto = mosquittoMissingReason() === null;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

await ensureBuilt();
const dir = await agentFolder('sensor-agent-bench-soak-');
const port = await freePort();
const config = await writeConfig(dir, {
  device: { id: 'bench' },
  mqtt: { url: `mqtt://127.0.0.1:${port}`, qos: 1, reconnect: { min: '1s', max: '2s' } },
  store: { path: join(dir, 'store'), maxBytes },
  status: { listen: '127.0.0.1:0' },
  log: { level: 'info' },
  sensors: [{ id: 'load', driver: 'simulated', interval: `${Math.round(1000 / rate)}ms`, signal: 'sine' }],
});
const agent = await startChildAgent(config, { startTimeoutMs: 60_000, nodeArgs: PRODUCT_NODE_ARGS });
const pid = agent.child.pid!;
await sleep(warmupMs);
const rssStart = (await procFigures(pid)).rssBytes;
const firstSeq = (await agent.status()).buffer.lastSeq; // readings before this are in the store too
const rssOffline = sampleRss(pid, 1000);
let maxBufferBytes = 0;
const offlineStarted = Date.now();
/** RSS (MB) once a minute while offline: a leak climbs, a warm-up levels off. */
const rssByMinute: number[] = [];
while (Date.now() - offlineStarted < seconds * 1000) {
  await sleep(Math.min(5000, seconds * 1000 - (Date.now() - offlineStarted)));
  maxBufferBytes = Math.max(maxBufferBytes, (await agent.status()).buffer.bytes);
  if (Date.now() - offlineStarted >= (rssByMinute.length + 1) * 60_000) rssByMinute.push(mb((await procFigures(pid)).rssBytes));
}
const rssEnd = (await procFigures(pid)).rssBytes;
const rssOfflineMax = await rssOffline.stop();
const offline = await agent.status();

// The drain: broker up on another port with a QoS 1 subscriber subscribed, then a plain TCP
// forwarder on the agent's port, so the agent cannot connect before the subscriber is there.
const broker: TestBroker = mosquitto ? await startMosquitto() : await startAedes();
const subscriber = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
const mustHave = offline.buffer.lastSeq; // every reading accepted before the broker came up
const received = new Set<number>();
let lastArrival = Date.now();
subscriber.on('message', (topic, payload) => {
  if (topic !== 'sensors/bench/load') return;
  const { seq } = JSON.parse(payload.toString()) as { seq: number };
  if (seq <= mustHave) received.add(seq);
  lastArrival = Date.now();
});
await subscriber.subscribeAsync('sensors/bench/load', { qos: 1 });
const forwarder = createServer((socket) => {
  const upstream = connect(broker.port, '127.0.0.1');
  socket.pipe(upstream).pipe(socket);
  socket.on('error', () => upstream.destroy());
  upstream.on('error', () => socket.destroy());
});
await new Promise<void>((resolve) => forwarder.listen(port, '127.0.0.1', () => resolve()));
const rssDrain = sampleRss(pid, 200);
const drainStarted = Date.now();
// Drained once every reading accepted offline arrived (live readings keep coming at `rate`, so the
// agent's backlog is rarely exactly 0); given up after 30 s without any arrival.
while (received.size < mustHave && Date.now() - Math.max(lastArrival, drainStarted) < 30_000) await sleep(50);
const drained = await agent.status();
const drainMs = Date.now() - drainStarted;
const rssDrainMax = await rssDrain.stop();
await agent.stop();
await subscriber.endAsync(true);
forwarder.close();
await broker.stop();
await cleanupChildAgents();

let missing = 0;
for (let seq = 1; seq <= mustHave; seq++) if (!received.has(seq)) missing++;
const offlineReadings = offline.buffer.lastSeq - firstSeq;
report('soak', { seconds, rate, nodeArgs: PRODUCT_NODE_ARGS, rssByMinute, broker: mosquitto ? 'mosquitto' : 'aedes', offlineReadings, backlogAtDrain: offline.buffer.backlog, lastSeq: drained.buffer.lastSeq, received: received.size, dropped: drained.buffer.dropped, drainMs }, [
  { figure: `soak ${seconds} s offline at ${rate} readings/s: RSS growth`, value: mb(rssEnd - rssStart), unit: 'MB', baseline: mb(rssStart), baselineWhat: 'RSS after 10 s warm-up', ratio: round(rssEnd / rssStart), goal: '≤ 5 MB' },
  { figure: 'soak: RSS max offline / during the drain', value: `${mb(rssOfflineMax)} / ${mb(rssDrainMax)}`, unit: 'MB' },
  { figure: `soak: buffer at its fullest (${offline.buffer.backlog} readings waiting)`, value: mb(maxBufferBytes), unit: 'MB', baseline: mb(maxBytes), baselineWhat: 'store.maxBytes cap', ratio: round(maxBufferBytes / maxBytes), goal: 'within the cap, 0 dropped' },
  { figure: `soak: readings lost after the full drain (${mustHave} accepted offline, drained in ${round(drainMs / 1000, 1)} s)`, value: missing + drained.buffer.dropped, unit: 'readings', baseline: mustHave, baselineWhat: 'accepted', goal: '0' },
]);
