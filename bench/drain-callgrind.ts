// Instructions per drained reading, counted by valgrind's callgrind: the one drain figure that load
// on the machine does not move (wall-clock and even CPU time do on a shared 2-core box). The built
// daemon runs under callgrind twice, draining a small and a large prefilled backlog (QoS as given,
// the unit's node flags); (Ir(large) - Ir(small)) / (large - small) is what one reading costs,
// start and stop cancelling out. The end of the drain is seen by a subscriber counting the
// readings (no status polling, which would cost instructions in proportion to the wall time).
// Slow: valgrind runs node some 50× slower. Needs valgrind and mosquitto.
// Usage: node --import tsx bench/drain-callgrind.ts --qos 0 [--small 5000 --large 25000] [--dist DIR]
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto } from '../test/helpers/broker.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, writeConfig } from '../test/helpers/child-agent.js';
import { arg, prefilledStore, PRODUCT_NODE_ARGS, report, round } from './lib.js';

const qos = arg('qos', 0) as 0 | 1 | 2;
const small = arg('small', 5000);
const large = arg('large', 25_000);
const dist = resolve(arg('dist', 'dist'));

if (dist === resolve('dist')) await ensureBuilt();
const broker = await startMosquitto();

async function instructions(readings: number): Promise<number> {
  const dir = await agentFolder('sensor-agent-bench-callgrind-');
  const storePath = join(dir, 'store');
  await prefilledStore(readings, storePath);
  const config = await writeConfig(dir, {
    device: { id: 'bench' },
    mqtt: { url: broker.url, qos, maxInflight: 64 },
    store: { path: storePath, maxBytes: '2GB' },
    status: { listen: '127.0.0.1:0' },
    log: { level: 'info' },
    sensors: [{ id: 'greenhouse', driver: 'simulated', interval: '1h' }],
  });
  const subscriber = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  let received = 0;
  subscriber.on('message', (topic) => void (topic === 'sensors/bench/greenhouse' && received++));
  await subscriber.subscribeAsync('sensors/bench/greenhouse', { qos: 0 });
  const out = join(dir, 'callgrind.out');
  const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, ...PRODUCT_NODE_ARGS, join(dist, 'sensor-agent.js'), 'run', '--config', config], {
    stdio: 'ignore',
    env: { ...process.env, SENSOR_AGENT_CODE_CACHE: join(dir, 'code-cache') },
  });
  const exited = new Promise((done) => child.once('exit', done));
  while (received < readings) await new Promise((done) => setTimeout(done, 500));
  // The last acks deleted (QoS 1/2: PUBACK after the subscriber has it), then a clean stop.
  await new Promise((done) => setTimeout(done, 3000));
  child.kill('SIGTERM');
  await exited;
  await subscriber.endAsync(true);
  const totals = /^totals: (\d+)/m.exec(await readFile(out, 'utf8'))?.[1];
  if (totals === undefined) throw new Error(`no totals in ${out}`);
  return Number(totals);
}

const irSmall = await instructions(small);
const irLarge = await instructions(large);
await broker.stop();
await cleanupChildAgents();
const perReading = (irLarge - irSmall) / (large - small);
report('drain-callgrind', { qos, small, large, dist, nodeArgs: PRODUCT_NODE_ARGS, irSmall, irLarge }, [
  { figure: `instructions per reading drained, QoS ${qos} (callgrind, ${small} → ${large} waiting)`, value: Math.round(perReading), unit: 'instructions', baseline: round(irSmall / 1e9, 2), baselineWhat: `G instructions for the whole run with ${small} waiting` },
]);
