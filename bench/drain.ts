// Drain: a backlog in the buffer, then the broker comes up; readings/s until the backlog is empty,
// first publish after the link came up, and RSS during the drain, for the built daemon as a child
// process, against a bare MQTT.js loop with the same payloads and the same in-flight window.
// Usage: node --import tsx bench/drain.ts --readings 200000 --qos 1
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { freePort, startMosquitto, mosquittoMissingReason, startAedes, type TestBroker } from '../test/helpers/broker.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, startChildAgent, writeConfig } from '../test/helpers/child-agent.js';
import { arg, mb, prefilledStore, procFigures, PRODUCT_NODE_ARGS, report, round, sampleRss } from './lib.js';

const readings = arg('readings', 200_000);
const qos = arg('qos', 1) as 0 | 1 | 2;
const window = arg('window', 64);
const profile = arg('cpu-prof', '');

async function startBroker(port: number): Promise<TestBroker> {
  return mosquittoMissingReason() === null ? startMosquitto({ port }) : startAedes(port);
}

await ensureBuilt();
const dir = await agentFolder('sensor-agent-bench-drain-');
const storePath = join(dir, 'store');
await prefilledStore(readings, storePath);
const port = await freePort();
const config = await writeConfig(dir, {
  device: { id: 'bench' },
  mqtt: { url: `mqtt://127.0.0.1:${port}`, qos, maxInflight: window, reconnect: { min: '100ms', max: '200ms' } },
  store: { path: storePath, maxBytes: '2GB' },
  status: { listen: '127.0.0.1:0' },
  log: { level: 'info' },
  sensors: [{ id: 'greenhouse', driver: 'simulated', interval: '1h' }],
});
const env = profile ? { NODE_OPTIONS: `--import ${join(process.cwd(), 'bench/cpu-prof-preload.mjs')}`, CPU_PROF_DIR: profile } : {};
const agent = await startChildAgent(config, { env, startTimeoutMs: 60_000, nodeArgs: PRODUCT_NODE_ARGS });
const rss = sampleRss(agent.child.pid!);
const broker = await startBroker(port);
const subscriber = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
let firstReceivedAt = 0;
subscriber.on('message', (topic) => {
  if (topic.endsWith('/status') || firstReceivedAt) return;
  firstReceivedAt = Date.now();
  void subscriber.unsubscribeAsync('sensors/#');
});
await subscriber.subscribeAsync('sensors/#', { qos: 0 });
const connected = await agent.waitForLog((line) => line.msg === 'mqtt connected', 30_000, 'mqtt connected');
const cpuAtLinkUp = (await procFigures(agent.child.pid!)).cpuSeconds;
const linkUpAt = Date.parse(String(connected.time));
const drained = await agent.waitForStatus((status) => status.buffer.backlog === 0, 600_000, 'an empty backlog');
void drained;
const drainedAt = Date.now();
const agentCpuMs = ((await procFigures(agent.child.pid!)).cpuSeconds - cpuAtLinkUp) * 1000;
const rssMax = await rss.stop();
await agent.stop();
await subscriber.endAsync(true);
const agentMs = drainedAt - linkUpAt;

const bare = spawnSync(process.execPath, ['bench/bare-drain.mjs', broker.url, String(qos), String(readings), String(window), 'sensors/bench/greenhouse'], { encoding: 'utf8' });
if (bare.status !== 0) throw new Error(`bare loop failed: ${bare.stderr}`);
const baseline = JSON.parse(bare.stdout) as { ms: number; firstAckMs: number; rssMax: number; cpuMs: number };
// The same loop under the unit's flags: what they do for a bare MQTT.js client (fair to compare too).
const bareFlagged = PRODUCT_NODE_ARGS.length === 0 ? null : spawnSync(process.execPath, [...PRODUCT_NODE_ARGS, 'bench/bare-drain.mjs', broker.url, String(qos), String(readings), String(window), 'sensors/bench/greenhouse'], { encoding: 'utf8' });
const baselineFlagged = bareFlagged?.status === 0 ? (JSON.parse(bareFlagged.stdout) as { ms: number; rssMax: number; cpuMs: number }) : null;
await broker.stop();
await cleanupChildAgents();

const agentRate = readings / (agentMs / 1000);
const bareRate = readings / (baseline.ms / 1000);
// Without the unit's node flags (BENCH_NODE_FLAGS=none) the rows say so, so both can sit in one table.
const flags = PRODUCT_NODE_ARGS.length === 0 ? ', node without the unit flags' : '';
report('drain', { readings, qos, window, nodeArgs: PRODUCT_NODE_ARGS, broker: mosquittoMissingReason() === null ? 'mosquitto' : 'aedes' }, [
  { figure: `drain ${readings} QoS ${qos}${flags}`, value: Math.round(agentRate), unit: 'readings/s', baseline: Math.round(bareRate), baselineWhat: 'bare MQTT.js loop', ratio: round(agentRate / bareRate), goal: qos === 1 ? '≥ 0.7× (QoS 1)' : undefined },
  { figure: `first publish after link up, ${readings} waiting, QoS ${qos}`, value: firstReceivedAt - linkUpAt, unit: 'ms', baseline: round(baseline.firstAckMs, 0), baselineWhat: 'bare loop first ack', goal: '≤ 1000 ms' },
  { figure: `RSS during drain ${readings} QoS ${qos}${flags}`, value: mb(rssMax), unit: 'MB', baseline: mb(baseline.rssMax), baselineWhat: 'bare loop RSS, node without flags', ratio: round(rssMax / baseline.rssMax), goal: '≤ 80 MB' },
  ...(baselineFlagged
    ? [
        // Like for like: the agent runs under the unit's flags, so does this bare loop.
        { figure: `drain ${readings} QoS ${qos} against the bare loop under the same unit flags`, value: Math.round(agentRate), unit: 'readings/s', baseline: Math.round(readings / (baselineFlagged.ms / 1000)), baselineWhat: 'bare MQTT.js loop, unit flags', ratio: round(agentRate / (readings / (baselineFlagged.ms / 1000))), goal: qos === 1 ? '≥ 0.7× (QoS 1)' : undefined },
      ]
    : []),
  ...(baselineFlagged
    ? [{ figure: `RSS during drain ${readings} QoS ${qos}, bare loop with the unit flags`, value: mb(baselineFlagged.rssMax), unit: 'MB', baseline: mb(baseline.rssMax), baselineWhat: 'bare loop, node without flags', ratio: round(baselineFlagged.rssMax / baseline.rssMax) }]
    : []),
  // CPU time is what the load on this shared machine distorts least.
  { figure: `CPU per 1000 readings drained, QoS ${qos}${flags}`, value: round((agentCpuMs * 1000) / readings, 1), unit: 'ms', baseline: round((baseline.cpuMs * 1000) / readings, 1), baselineWhat: 'bare MQTT.js loop', ratio: round(agentCpuMs / baseline.cpuMs) },
]);
