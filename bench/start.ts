// Start: exec → ready (status port listening) and exec → first reading at the broker, for the
// bundle (dist/sensor-agent.js) and the unbundled sources (tsx), against bare `node -e 0`.
// Usage: node --import tsx bench/start.ts --runs 5
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto, mosquittoMissingReason, startAedes } from '../test/helpers/broker.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, writeConfig, REPO_ROOT } from '../test/helpers/child-agent.js';
import { arg, median, report, round } from './lib.js';

const runs = arg('runs', 5);
await ensureBuilt();
const broker = mosquittoMissingReason() === null ? await startMosquitto() : await startAedes();
const subscriber = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
let onReading: (() => void) | null = null;
subscriber.on('message', (topic) => {
  if (!topic.endsWith('/status')) onReading?.();
});
await subscriber.subscribeAsync('sensors/#', { qos: 1 });

async function once(args: string[]): Promise<{ readyMs: number; firstMs: number }> {
  const dir = await agentFolder('sensor-agent-bench-start-');
  const config = await writeConfig(dir, {
    device: { id: 'bench' },
    mqtt: { url: broker.url },
    store: { path: join(dir, 'store') },
    status: { listen: '127.0.0.1:0' },
    sensors: [{ id: 'greenhouse', driver: 'simulated', interval: '1h' }],
  });
  const started = performance.now();
  let readyMs = -1;
  const firstReading = new Promise<number>((resolve) => (onReading = () => resolve(performance.now() - started)));
  const child = spawn(process.execPath, [...args, 'run', '--config', config], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (readyMs < 0 && chunk.includes('status port listening')) readyMs = performance.now() - started;
  });
  const firstMs = await firstReading;
  onReading = null;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
  return { readyMs, firstMs };
}

const bare: number[] = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  bare.push(performance.now() - t);
}
const variants = { bundle: [join(REPO_ROOT, 'dist/sensor-agent.js')], sources: ['--import', 'tsx', join(REPO_ROOT, 'src/cli.ts')] };
const results: Record<string, { ready: number; first: number }> = {};
for (const [name, args] of Object.entries(variants)) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await once(args));
  results[name] = { ready: median(samples.map((s) => s.readyMs)), first: median(samples.map((s) => s.firstMs)) };
}
await subscriber.endAsync(true);
await broker.stop();
await cleanupChildAgents();
const nodeBare = median(bare);
report('start', { runs, statistic: 'median' }, [
  { figure: 'start: exec → ready, bundle', value: round(results.bundle!.ready, 0), unit: 'ms', baseline: round(nodeBare, 0), baselineWhat: 'node -e 0', ratio: round(results.bundle!.ready / nodeBare), goal: '≤ 150 ms' },
  { figure: 'start: exec → first publish acked, bundle', value: round(results.bundle!.first, 0), unit: 'ms', baseline: round(nodeBare, 0), baselineWhat: 'node -e 0', ratio: round(results.bundle!.first / nodeBare) },
  { figure: 'start: exec → ready, sources (tsx)', value: round(results.sources!.ready, 0), unit: 'ms', baseline: round(results.bundle!.ready, 0), baselineWhat: 'bundle', ratio: round(results.sources!.ready / results.bundle!.ready) },
  { figure: 'start: exec → first publish acked, sources (tsx)', value: round(results.sources!.first, 0), unit: 'ms', baseline: round(results.bundle!.first, 0), baselineWhat: 'bundle', ratio: round(results.sources!.first / results.bundle!.first) },
]);
