// Live latency during a drain: mqtt.drainRate set (live-first on), a backlog of --readings waiting
// when the broker comes up, and a live simulated sensor at 10 Hz. p50/p99 from sampling (`ts` in
// the payload) to arrival at a QoS 1 subscriber, for live readings only (taken after the link came
// up), over --seconds of the drain. On loopback, arrival at the subscriber ≈ the agent's PUBACK
// (the broker forwards before or as it acks). Baseline, same run: the same agent with no backlog.
// Usage: node --import tsx bench/live-latency.ts --readings 200000 --seconds 30 --drain-rate 5000
import { join } from 'node:path';
import mqtt from 'mqtt';
import { freePort, startMosquitto, mosquittoMissingReason, startAedes, type TestBroker } from '../test/helpers/broker.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, startChildAgent, writeConfig } from '../test/helpers/child-agent.js';
import { arg, percentile, prefilledStore, PRODUCT_NODE_ARGS, report, round } from './lib.js';

const readings = arg('readings', 200_000);
const seconds = arg('seconds', 30);
const drainRate = arg('drain-rate', 5000);
const mosquitto = mosquittoMissingReason() === null;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Run {
  latencies: number[];
  backlogDrained: number;
  backlogLeft: number;
  seconds: number;
}

async function run(backlog: number, forSeconds: number): Promise<Run> {
  const dir = await agentFolder('sensor-agent-bench-live-');
  const storePath = join(dir, 'store');
  if (backlog > 0) await prefilledStore(backlog, storePath);
  const port = await freePort();
  const config = await writeConfig(dir, {
    device: { id: 'bench' },
    mqtt: { url: `mqtt://127.0.0.1:${port}`, qos: 1, drainRate: `${drainRate}/s`, reconnect: { min: '100ms', max: '200ms' } },
    store: { path: storePath, maxBytes: '2GB' },
    status: { listen: '127.0.0.1:0' },
    log: { level: 'info' },
    sensors: [
      { id: 'greenhouse', driver: 'simulated', interval: '1h' },
      { id: 'live', driver: 'simulated', interval: '100ms' },
    ],
  });
  const agent = await startChildAgent(config, { startTimeoutMs: 120_000, nodeArgs: PRODUCT_NODE_ARGS });
  const broker: TestBroker = mosquitto ? await startMosquitto({ port }) : await startAedes(port);
  const subscriber = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  let linkUpAt = Number.POSITIVE_INFINITY;
  let measuring = true;
  const latencies: number[] = [];
  subscriber.on('message', (topic, payload) => {
    if (!measuring || topic !== 'sensors/bench/live') return;
    const arrived = Date.now();
    const { ts } = JSON.parse(payload.toString()) as { ts: number };
    if (ts > linkUpAt) latencies.push(arrived - ts);
  });
  await subscriber.subscribeAsync('sensors/bench/live', { qos: 1 });
  const connected = await agent.waitForLog((line) => line.msg === 'mqtt connected', 30_000, 'mqtt connected');
  linkUpAt = Date.parse(String(connected.time));
  const startedAt = Date.now();
  await sleep(Math.max(0, linkUpAt + forSeconds * 1000 - Date.now()));
  measuring = false;
  const status = await agent.status();
  await agent.stop();
  await subscriber.endAsync(true);
  await broker.stop();
  const left = status.buffer.backlog;
  return { latencies, backlogDrained: backlog - Math.max(0, left), backlogLeft: left, seconds: (Date.now() - startedAt) / 1000 };
}

await ensureBuilt();
const baseline = await run(0, Math.min(seconds, 10));
const drain = await run(readings, seconds);
await cleanupChildAgents();
const p = (r: Run, q: number): number => round(percentile(r.latencies, q), 0);
report('live-latency', { readings, seconds, drainRate, broker: mosquitto ? 'mosquitto' : 'aedes', liveSamples: drain.latencies.length, baselineSamples: baseline.latencies.length, backlogDrained: drain.backlogDrained, backlogLeft: drain.backlogLeft }, [
  { figure: `live latency p50, ${readings} backlog draining at drainRate ${drainRate}/s (${drain.latencies.length} live readings, ${drain.backlogLeft > 0 ? 'backlog still draining at the end' : 'backlog emptied'})`, value: p(drain, 50), unit: 'ms', baseline: p(baseline, 50), baselineWhat: 'no backlog', ratio: round(p(drain, 50) / Math.max(1, p(baseline, 50))) },
  { figure: `live latency p99, ${readings} backlog draining (sampling → arrival at subscriber ≈ PUBACK on loopback)`, value: p(drain, 99), unit: 'ms', baseline: p(baseline, 99), baselineWhat: 'no backlog', ratio: round(p(drain, 99) / Math.max(1, p(baseline, 99))), goal: '≤ 1000 ms' },
  { figure: `backlog drained alongside, ${readings} waiting`, value: Math.round(drain.backlogDrained / seconds), unit: 'readings/s', baseline: drainRate, baselineWhat: 'drainRate', ratio: round(drain.backlogDrained / seconds / drainRate) },
]);
