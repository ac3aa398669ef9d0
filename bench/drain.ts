// Drain: a backlog in the buffer, then the broker comes up; readings/s until the backlog is empty,
// first publish after the link came up, and RSS during the drain, for the built daemon as a child
// process, against a bare MQTT.js loop with the same payloads and the same in-flight window.
// Also against the durable floor (bare-durable-drain.mjs: the bare loop reading from and deleting in
// the same LevelDB store, with the agent's batch sizes), under the unit's flags like the agent.
// --one-core: the agent and both bare loops each pinned to core 0 (`taskset`), the broker to core 1:
// about what a Pi Zero 2 W or a busy Pi 3 gives the agent.
// Usage: node --import tsx bench/drain.ts --readings 200000 --qos 1 [--one-core] [--cpu-prof DIR | --heap-prof DIR]
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { freePort, startMosquitto, mosquittoMissingReason, startAedes, type TestBroker } from '../test/helpers/broker.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, startChildAgent, writeConfig } from '../test/helpers/child-agent.js';
import { arg, mb, prefilledStore, procFigures, PRODUCT_NODE_ARGS, report, round, sampleRss } from './lib.js';

const readings = arg('readings', 200_000);
const qos = arg('qos', 1) as 0 | 1 | 2;
const window = arg('window', 64);
const profile = arg('cpu-prof', '');
const heapProfile = arg('heap-prof', '');
const oneCore = process.argv.includes('--one-core');
/** The command prefix that pins a bare loop to core 0 under --one-core. */
const pinned = (args: string[]): [string, string[]] => (oneCore ? ['taskset', ['-c', '0', process.execPath, ...args]] : [process.execPath, args]);
/** Pins every thread of a running process to `core` (taskset -a -p). */
const pin = (pid: number, core: number): void => void execFileSync('taskset', ['-a', '-c', '-p', String(core), String(pid)], { stdio: 'ignore' });

async function startBroker(port: number): Promise<TestBroker> {
  // Mosquitto's Receive Maximum (max_inflight_messages) is 20 by default: the agent keeps to it,
  // the bare loops (MQTT.js does not) would not. Raised to the window, so both have the same.
  return mosquittoMissingReason() === null ? startMosquitto({ port, settings: [`max_inflight_messages ${window}`] }) : startAedes(port);
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
const env = profile
  ? { NODE_OPTIONS: `--import ${join(process.cwd(), 'bench/cpu-prof-preload.mjs')}`, CPU_PROF_DIR: profile }
  : heapProfile
    ? { NODE_OPTIONS: `--import ${join(process.cwd(), 'bench/heap-prof-preload.mjs')}`, HEAP_PROF_DIR: heapProfile }
    : {};
const agent = await startChildAgent(config, { env, startTimeoutMs: 60_000, nodeArgs: PRODUCT_NODE_ARGS });
if (oneCore) pin(agent.child.pid!, 0);
const rss = sampleRss(agent.child.pid!);
const broker = await startBroker(port);
if (oneCore) {
  // The broker (a child of this process) on the other core: on a device it runs elsewhere.
  const brokers = spawnSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const pid of brokers) pin(Number(pid), 1);
}
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

const bareArgs = [broker.url, String(qos), String(readings), String(window), 'sensors/bench/greenhouse'];
const bare = spawnSync(...pinned(['bench/bare-drain.mjs', ...bareArgs]), { encoding: 'utf8' });
if (bare.status !== 0) throw new Error(`bare loop failed: ${bare.stderr}`);
const baseline = JSON.parse(bare.stdout) as { ms: number; firstAckMs: number; rssMax: number; cpuMs: number };
// The same loop under the unit's flags: what they do for a bare MQTT.js client (fair to compare too).
const bareFlagged = PRODUCT_NODE_ARGS.length === 0 ? null : spawnSync(...pinned([...PRODUCT_NODE_ARGS, 'bench/bare-drain.mjs', ...bareArgs]), { encoding: 'utf8' });
const baselineFlagged = bareFlagged?.status === 0 ? (JSON.parse(bareFlagged.stdout) as { ms: number; rssMax: number; cpuMs: number }) : null;
// The durable floor: the same store again, read and deleted by a bare loop, under the agent's flags.
const floorStore = join(dir, 'floor-store');
await prefilledStore(readings, floorStore);
const floorRun = spawnSync(...pinned([...PRODUCT_NODE_ARGS, 'bench/bare-durable-drain.mjs', ...bareArgs, floorStore]), { encoding: 'utf8' });
if (floorRun.status !== 0) throw new Error(`durable floor loop failed: ${floorRun.stderr}`);
const floor = JSON.parse(floorRun.stdout) as { ms: number; rssMax: number; cpuMs: number; drained: number };
if (floor.drained !== readings) throw new Error(`durable floor loop drained ${floor.drained} of ${readings}`);
await broker.stop();
await cleanupChildAgents();

const agentRate = readings / (agentMs / 1000);
const bareRate = readings / (baseline.ms / 1000);
// Without the unit's node flags (BENCH_NODE_FLAGS=none) the rows say so, so both can sit in one table.
const flags = (PRODUCT_NODE_ARGS.length === 0 ? ', node without the unit flags' : '') + (oneCore ? ', one core (taskset)' : '');
const floorRate = readings / (floor.ms / 1000);
report('drain', { readings, qos, window, oneCore, nodeArgs: PRODUCT_NODE_ARGS, broker: mosquittoMissingReason() === null ? 'mosquitto' : 'aedes' }, [
  { figure: `drain ${readings} QoS ${qos}${flags}`, value: Math.round(agentRate), unit: 'readings/s', baseline: Math.round(bareRate), baselineWhat: 'bare MQTT.js loop', ratio: round(agentRate / bareRate), goal: qos === 1 ? '≥ 0.7× (QoS 1)' : undefined },
  { figure: `first publish after link up, ${readings} waiting, QoS ${qos}${flags}`, value: firstReceivedAt - linkUpAt, unit: 'ms', baseline: round(baseline.firstAckMs, 0), baselineWhat: 'bare loop first ack', goal: '≤ 1000 ms' },
  { figure: `RSS during drain ${readings} QoS ${qos}${flags}`, value: mb(rssMax), unit: 'MB', baseline: mb(baseline.rssMax), baselineWhat: 'bare loop RSS, node without flags', ratio: round(rssMax / baseline.rssMax), goal: '≤ 80 MB' },
  ...(baselineFlagged
    ? [
        // Like for like: the agent runs under the unit's flags, so does this bare loop.
        { figure: `drain ${readings} QoS ${qos}${flags} against the bare loop under the same unit flags`, value: Math.round(agentRate), unit: 'readings/s', baseline: Math.round(readings / (baselineFlagged.ms / 1000)), baselineWhat: 'bare MQTT.js loop, unit flags', ratio: round(agentRate / (readings / (baselineFlagged.ms / 1000))), goal: qos === 1 ? '≥ 0.7× (QoS 1)' : undefined },
      ]
    : []),
  ...(baselineFlagged
    ? [{ figure: `RSS during drain ${readings} QoS ${qos}${flags}, bare loop with the unit flags`, value: mb(baselineFlagged.rssMax), unit: 'MB', baseline: mb(baseline.rssMax), baselineWhat: 'bare loop, node without flags', ratio: round(baselineFlagged.rssMax / baseline.rssMax) }]
    : []),
  // CPU time is what the load on this shared machine distorts least.
  { figure: `CPU per 1000 readings drained, QoS ${qos}${flags}`, value: round((agentCpuMs * 1000) / readings, 1), unit: 'ms', baseline: round((baseline.cpuMs * 1000) / readings, 1), baselineWhat: 'bare MQTT.js loop', ratio: round(agentCpuMs / baseline.cpuMs) },
  ...(baselineFlagged
    ? [{ figure: `CPU per 1000 readings drained, QoS ${qos}${flags}, against the bare loop under the same unit flags`, value: round((agentCpuMs * 1000) / readings, 1), unit: 'ms', baseline: round((baselineFlagged.cpuMs * 1000) / readings, 1), baselineWhat: 'bare MQTT.js loop, unit flags', ratio: round(agentCpuMs / baselineFlagged.cpuMs) }]
    : []),
  { figure: `drain ${readings} QoS ${qos}${flags} against the durable floor`, value: Math.round(agentRate), unit: 'readings/s', baseline: Math.round(floorRate), baselineWhat: 'bare loop reading and deleting in classic-level, same flags', ratio: round(agentRate / floorRate) },
  { figure: `CPU per 1000 readings drained, QoS ${qos}${flags}, against the durable floor`, value: round((agentCpuMs * 1000) / readings, 1), unit: 'ms', baseline: round((floor.cpuMs * 1000) / readings, 1), baselineWhat: 'durable floor loop', ratio: round(agentCpuMs / floor.cpuMs) },
  { figure: `RSS during drain ${readings} QoS ${qos}${flags}, durable floor loop`, value: mb(floor.rssMax), unit: 'MB', baseline: mb(rssMax), baselineWhat: 'agent', ratio: round(floor.rssMax / rssMax) },
]);
