// Start: exec → ready (status port listening) and exec → first reading at the broker, for the
// bundle (dist/sensor-agent.js) and the unbundled sources (tsx), against bare `node -e 0`.
// The bundle runs with its V8 code cache (written by a first, unmeasured start, as on a device
// after its first start) and without it (SENSOR_AGENT_CODE_CACHE=off: a first start); the
// variants take turns, run after run, so load on the machine hits them alike.
// Usage: node --import tsx bench/start.ts --runs 5
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto, mosquittoMissingReason, startAedes } from '../test/helpers/broker.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, writeConfig, REPO_ROOT } from '../test/helpers/child-agent.js';
import { arg, median, PRODUCT_NODE_ARGS, report, round } from './lib.js';

const runs = arg('runs', 5);
await ensureBuilt();
const broker = mosquittoMissingReason() === null ? await startMosquitto() : await startAedes();
const subscriber = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
let onReading: (() => void) | null = null;
subscriber.on('message', (topic) => {
  if (!topic.endsWith('/status')) onReading?.();
});
await subscriber.subscribeAsync('sensors/#', { qos: 1 });

/** CPU ms (user + system) of a process's main thread so far: what load on the machine distorts least. */
function mainThreadCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function once(args: string[], env: NodeJS.ProcessEnv): Promise<{ readyMs: number; firstMs: number; readyCpuMs: number }> {
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
  let readyCpuMs = -1;
  const firstReading = new Promise<number>((resolve) => (onReading = () => resolve(performance.now() - started)));
  const child = spawn(process.execPath, [...args, 'run', '--config', config], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (readyMs < 0 && chunk.includes('status port listening')) {
      readyMs = performance.now() - started;
      readyCpuMs = mainThreadCpuMs(child.pid!);
    }
  });
  const firstMs = await firstReading;
  onReading = null;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
  return { readyMs, firstMs, readyCpuMs };
}

// The bundle as the systemd unit starts it (with its node flags).
const bundle = [...PRODUCT_NODE_ARGS, join(REPO_ROOT, 'dist/sensor-agent.js')];
const codeCache = mkdtempSync(join(tmpdir(), 'sensor-agent-bench-code-cache-'));
const variants: Record<string, { args: string[]; env: NodeJS.ProcessEnv }> = {
  bundle: { args: bundle, env: { SENSOR_AGENT_CODE_CACHE: codeCache } },
  noCache: { args: bundle, env: { SENSOR_AGENT_CODE_CACHE: 'off' } },
  sources: { args: ['--import', 'tsx', join(REPO_ROOT, 'src/cli.ts')], env: {} },
};
await once(variants.bundle!.args, variants.bundle!.env); // writes the code cache (at its exit)
const samples: Record<string, Array<{ readyMs: number; firstMs: number; readyCpuMs: number }>> = { bundle: [], noCache: [], sources: [] };
const bare: number[] = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  bare.push(performance.now() - t);
  for (const [name, variant] of Object.entries(variants)) samples[name]!.push(await once(variant.args, variant.env));
}
rmSync(codeCache, { recursive: true, force: true });
const results: Record<string, { ready: number; first: number; readyCpu: number }> = {};
for (const [name, list] of Object.entries(samples)) {
  results[name] = { ready: median(list.map((s) => s.readyMs)), first: median(list.map((s) => s.firstMs)), readyCpu: median(list.map((s) => s.readyCpuMs)) };
}
await subscriber.endAsync(true);
await broker.stop();
await cleanupChildAgents();
const nodeBare = median(bare);
report('start', { runs, statistic: 'median', nodeArgs: PRODUCT_NODE_ARGS }, [
  { figure: 'start: exec → ready, bundle', value: round(results.bundle!.ready, 0), unit: 'ms', baseline: round(nodeBare, 0), baselineWhat: 'node -e 0', ratio: round(results.bundle!.ready / nodeBare), goal: '≤ 150 ms' },
  { figure: 'start: exec → ready, bundle, main-thread CPU', value: round(results.bundle!.readyCpu, 0), unit: 'ms', baseline: round(nodeBare, 0), baselineWhat: 'node -e 0 (wall)', ratio: round(results.bundle!.readyCpu / nodeBare) },
  { figure: 'start: exec → first publish acked, bundle', value: round(results.bundle!.first, 0), unit: 'ms', baseline: round(nodeBare, 0), baselineWhat: 'node -e 0', ratio: round(results.bundle!.first / nodeBare) },
  { figure: 'start: exec → ready, bundle without its code cache (a first start)', value: round(results.noCache!.ready, 0), unit: 'ms', baseline: round(results.bundle!.ready, 0), baselineWhat: 'with the cache', ratio: round(results.noCache!.ready / results.bundle!.ready) },
  { figure: 'start: exec → ready, bundle without its code cache, main-thread CPU', value: round(results.noCache!.readyCpu, 0), unit: 'ms', baseline: round(results.bundle!.readyCpu, 0), baselineWhat: 'with the cache', ratio: round(results.noCache!.readyCpu / results.bundle!.readyCpu) },
  { figure: 'start: exec → ready, sources (tsx)', value: round(results.sources!.ready, 0), unit: 'ms', baseline: round(results.bundle!.ready, 0), baselineWhat: 'bundle', ratio: round(results.sources!.ready / results.bundle!.ready) },
  { figure: 'start: exec → first publish acked, sources (tsx)', value: round(results.sources!.first, 0), unit: 'ms', baseline: round(results.bundle!.first, 0), baselineWhat: 'bundle', ratio: round(results.sources!.first / results.bundle!.first) },
]);
