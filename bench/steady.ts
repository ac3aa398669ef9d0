// Steady state: the built daemon as a child with 20 simulated sensors at 1 Hz, link up (QoS 1), for
// a minute: CPU seconds (utime + stime from /proc/<pid>/stat), RSS, and bytes written to the block
// device per reading (write_bytes from /proc/<pid>/io: the SD-card wear figure). The baseline runs
// at the same time: a bare MQTT.js client publishing the same payloads at the same rate. Then the
// link down (nothing listening): one sensor at 10 readings/s with the default commitInterval.
// Usage: node --import tsx bench/steady.ts --seconds 60 --sensors 20   (or STEADY_SECONDS=20)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { freePort, startMosquitto, mosquittoMissingReason, startAedes, type TestBroker } from '../test/helpers/broker.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, startChildAgent, writeConfig, type ChildAgent } from '../test/helpers/child-agent.js';
import { arg, mb, procFigures, PRODUCT_NODE_ARGS, report, round, sampleRss, type ProcFigures } from './lib.js';

const seconds = arg('seconds', Number(process.env.STEADY_SECONDS ?? 60));
const sensorCount = arg('sensors', 20);
const warmupMs = 3000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether this kernel/container accounts write_bytes at all: a 1 MB fsynced file must show up. */
async function writeBytesAccounted(): Promise<boolean> {
  const { open, rm } = await import('node:fs/promises');
  const file = join(await agentFolder('sensor-agent-bench-io-'), 'probe');
  const before = (await procFigures(process.pid)).writeBytes;
  const handle = await open(file, 'w');
  await handle.write(Buffer.alloc(1 << 20, 1));
  await handle.sync();
  await handle.close();
  const after = (await procFigures(process.pid)).writeBytes;
  await rm(file);
  return after - before >= 1 << 20;
}

interface Window {
  readings: number;
  cpuSeconds: number;
  writeBytes: number;
  rssMax: number;
  rssEnd: number;
  seconds: number;
}

/** Measures the agent over `seconds` after a warm-up: readings accepted (lastSeq), CPU, writes, RSS. */
async function measure(agent: ChildAgent, pids: number[]): Promise<{ agent: Window; others: Window[] }> {
  await sleep(warmupMs);
  const pidsAll = [agent.child.pid!, ...pids];
  const seq0 = (await agent.status()).buffer.lastSeq;
  const before: ProcFigures[] = await Promise.all(pidsAll.map((pid) => procFigures(pid)));
  const samplers = pidsAll.map((pid) => sampleRss(pid, 500));
  const started = performance.now();
  await sleep(seconds * 1000);
  const seq1 = (await agent.status()).buffer.lastSeq;
  const after: ProcFigures[] = await Promise.all(pidsAll.map((pid) => procFigures(pid)));
  const elapsed = (performance.now() - started) / 1000;
  const maxes = await Promise.all(samplers.map((s) => s.stop()));
  const windows = pidsAll.map((_, i) => ({
    readings: seq1 - seq0,
    cpuSeconds: after[i]!.cpuSeconds - before[i]!.cpuSeconds,
    writeBytes: after[i]!.writeBytes - before[i]!.writeBytes,
    rssMax: maxes[i]!,
    rssEnd: after[i]!.rssBytes,
    seconds: elapsed,
  }));
  return { agent: windows[0]!, others: windows.slice(1) };
}

await ensureBuilt();
const accounted = await writeBytesAccounted();
const mosquitto = mosquittoMissingReason() === null;
const broker: TestBroker = mosquitto ? await startMosquitto() : await startAedes();

// --- link up: 20 sensors at 1 Hz ---
const dir = await agentFolder('sensor-agent-bench-steady-');
const sensors = Array.from({ length: sensorCount }, (_, i) => ({ id: `s${i}`, driver: 'simulated', interval: '1s', signal: 'sine' }));
const upConfig = await writeConfig(dir, {
  device: { id: 'bench' },
  mqtt: { url: broker.url, qos: 1 },
  store: { path: join(dir, 'store') },
  status: { listen: '127.0.0.1:0' },
  log: { level: 'info' },
  sensors,
});
const subscriber = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
let payloadBytes = 0;
let payloads = 0;
subscriber.on('message', (topic, payload) => {
  if (topic.startsWith('sensors/bench/')) {
    payloadBytes += payload.length;
    payloads++;
  }
});
await subscriber.subscribeAsync('sensors/bench/+', { qos: 0 });
const agentUp = await startChildAgent(upConfig, { startTimeoutMs: 60_000, nodeArgs: PRODUCT_NODE_ARGS });
await agentUp.waitForLog((line) => line.msg === 'mqtt connected', 30_000, 'mqtt connected');
// Beside it, at the same time: the same agent with node's default flags (its own store and device
// id), and the bare MQTT.js publisher with and without the unit's flags.
const plainDir = await agentFolder('sensor-agent-bench-steady-plain-');
const plainConfig = await writeConfig(plainDir, { device: { id: 'bench-plain' }, mqtt: { url: broker.url, qos: 1 }, store: { path: join(plainDir, 'store') }, status: { listen: '127.0.0.1:0' }, log: { level: 'info' }, sensors });
const agentPlain = await startChildAgent(plainConfig, { startTimeoutMs: 60_000 });
const startBare = async (nodeArgs: string[], prefix: string): Promise<ReturnType<typeof spawn>> => {
  const child = spawn(process.execPath, [...nodeArgs, 'bench/bare-steady.mjs', broker.url, String(sensorCount), '1000', prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`bare-steady exited ${code}`)));
  });
  return child;
};
const bare = await startBare([], 'bare/bench');
const bareFlagged = await startBare(PRODUCT_NODE_ARGS, 'bare-flagged/bench');
const up = await measure(agentUp, [bare.pid!, agentPlain.child.pid!, bareFlagged.pid!]);
const upStatus = await agentUp.status();
bare.kill('SIGTERM');
bareFlagged.kill('SIGTERM');
await agentUp.stop();
await agentPlain.stop();
await subscriber.endAsync(true);
const payload = payloads ? payloadBytes / payloads : Number.NaN;
const [bareUp, plainUp, bareFlaggedUp] = up.others as [Window, Window, Window];

// --- link down: 10 readings/s, default commitInterval ---
const downPort = await freePort(); // nothing listens here
const downDir = await agentFolder('sensor-agent-bench-steady-down-');
const downConfig = await writeConfig(downDir, {
  device: { id: 'bench' },
  mqtt: { url: `mqtt://127.0.0.1:${downPort}`, qos: 1 },
  store: { path: join(downDir, 'store') },
  status: { listen: '127.0.0.1:0' },
  log: { level: 'info' },
  sensors: [{ id: 'load', driver: 'simulated', interval: '100ms', signal: 'sine' }],
});
const agentDown = await startChildAgent(downConfig, { startTimeoutMs: 60_000, nodeArgs: PRODUCT_NODE_ARGS });
const down = await measure(agentDown, []);
const downStatus = await agentDown.status();
await agentDown.stop();
await broker.stop();
await cleanupChildAgents();

const storedPerReading = downStatus.buffer.backlog ? downStatus.buffer.bytes / downStatus.buffer.backlog : Number.NaN;
const ioNote = accounted ? '' : ' (write_bytes NOT accounted in this container: always 0, figure meaningless)';
const cpuPct = (w: Window): number => (100 * w.cpuSeconds) / w.seconds;
const upWritten = up.agent.writeBytes / up.agent.readings;
const downWritten = down.agent.writeBytes / down.agent.readings;
report('steady', { seconds, sensors: sensorCount, nodeArgs: PRODUCT_NODE_ARGS, broker: mosquitto ? 'mosquitto' : 'aedes', writeBytesAccounted: accounted, upReadings: up.agent.readings, downReadings: down.agent.readings, upSyncs: upStatus.buffer.syncs, downSyncs: downStatus.buffer.syncs }, [
  { figure: `steady ${sensorCount}×1 Hz link up, ${round(up.agent.seconds, 0)} s: CPU`, value: round(cpuPct(up.agent)), unit: `% of one core (${round(up.agent.cpuSeconds)} CPU s)`, baseline: round(cpuPct(bareUp)), baselineWhat: 'bare MQTT.js publisher, %', ratio: round(cpuPct(up.agent) / cpuPct(bareUp)), goal: '< 2%' },
  { figure: `steady ${sensorCount}×1 Hz link up: RSS (max)`, value: mb(up.agent.rssMax), unit: 'MB', baseline: mb(bareUp.rssMax), baselineWhat: 'bare MQTT.js publisher', ratio: round(up.agent.rssMax / bareUp.rssMax), goal: '≤ 55 MB (≤ 60 MB arm64)' },
  { figure: `steady ${sensorCount}×1 Hz link up, node without the unit flags: CPU, RSS (max)`, value: `${round(cpuPct(plainUp))} % / ${mb(plainUp.rssMax)} MB`, unit: '', baseline: mb(bareUp.rssMax), baselineWhat: 'bare MQTT.js publisher, MB', ratio: round(plainUp.rssMax / bareUp.rssMax) },
  { figure: `steady ${sensorCount}×1 Hz: bare MQTT.js publisher with the unit flags: CPU, RSS (max)`, value: `${round(cpuPct(bareFlaggedUp))} % / ${mb(bareFlaggedUp.rssMax)} MB`, unit: '', baseline: mb(bareUp.rssMax), baselineWhat: 'without, MB', ratio: round(bareFlaggedUp.rssMax / bareUp.rssMax) },
  { figure: `steady ${sensorCount}×1 Hz link up: written per reading${ioNote}`, value: round(upWritten, 1), unit: 'B', baseline: round(payload, 1), baselineWhat: 'payload size', ratio: round(upWritten / payload), goal: '≤ 2× payload' },
  { figure: `steady 10 readings/s link down, ${round(down.agent.seconds, 0)} s: written per reading${ioNote}`, value: round(downWritten, 1), unit: 'B', baseline: round(storedPerReading, 1), baselineWhat: 'stored bytes/reading', ratio: round(downWritten / storedPerReading), goal: '≤ 1024 B' },
  { figure: 'steady 10 readings/s link down: CPU, RSS (max)', value: `${round(cpuPct(down.agent))} % / ${mb(down.agent.rssMax)} MB`, unit: '' },
]);
