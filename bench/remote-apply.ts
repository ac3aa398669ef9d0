// Remote configuration: how long a config change takes from the publish on config/set to an
// accepted config/result (validate, record, restart the parts, pass the health gate), how long
// the readings pause around it (the widest gap between two readings at the subscriber), and the
// size of the result message. The whole agent in-process against Aedes; configs alternate
// between one and two sensors, so every apply restarts everything but the buffer.
// Usage: node --import tsx bench/remote-apply.ts --runs 10
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startAgent } from '../src/agent.js';
import { parseConfig } from '../src/config/load.js';
import type { ConfigResult } from '../src/remote/remote-config.js';
import { startAedes } from '../test/helpers/broker.js';
import { arg, median, percentile, report, round, silentLog } from './lib.js';

const runs = arg('runs', 10);
const dir = mkdtempSync(join(tmpdir(), 'sensor-agent-bench-remote-'));
const broker = await startAedes();
const PREFIX = 'sensors/bench-remote';
const counter = (id: string) => ({ id, driver: 'simulated', interval: '20ms', signal: 'counter', decimals: 0 });
const raw = {
  device: { id: 'bench-remote' },
  mqtt: { url: broker.url, reconnect: { min: '100ms', max: '300ms' } },
  store: { path: 'buffer' },
  status: { listen: '127.0.0.1:0' },
  remote: { config: true, healthTimeout: '30s' },
  sensors: [counter('a')],
};
const context = { env: {}, baseDir: dir, hostname: 'bench' };
const agent = await startAgent(parseConfig(raw, context), silentLog, { configSource: { raw, context } });

const client = await mqtt.connectAsync(broker.url, { clean: true });
let lastReadingAt = 0;
let widestGapMs = 0;
const results = new Map<string, { at: number; bytes: number; result: ConfigResult }>();
client.on('message', (topic, payload) => {
  const now = performance.now();
  if (topic === `${PREFIX}/config/result`) {
    const result = JSON.parse(payload.toString()) as ConfigResult;
    results.set(result.id ?? '', { at: now, bytes: payload.length, result });
  } else if (!topic.endsWith('/status')) {
    if (lastReadingAt > 0) widestGapMs = Math.max(widestGapMs, now - lastReadingAt);
    lastReadingAt = now;
  }
});
await client.subscribeAsync([`${PREFIX}/config/result`, `${PREFIX}/+`], { qos: 1 });
const waitFor = async (check: () => boolean): Promise<void> => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
};
await waitFor(() => agent.hub.snapshot().mqtt.connected && lastReadingAt > 0);
await new Promise((resolve) => setTimeout(resolve, 500));

const applyMs: number[] = [];
const gapsMs: number[] = [];
const bytes: number[] = [];
const seqBefore = agent.buffer.stats().lastSeq;
for (let run = 0; run < runs; run += 1) {
  const id = `run-${run}`;
  const sensors = run % 2 === 0 ? [counter('a'), counter('b')] : [counter('a')];
  widestGapMs = 0;
  const sentAt = performance.now();
  await client.publishAsync(`${PREFIX}/config/set`, JSON.stringify({ id, config: { ...raw, mqtt: { reconnect: raw.mqtt.reconnect }, store: undefined, remote: undefined, sensors } }), { qos: 1 });
  await waitFor(() => results.has(id));
  const { at, bytes: size, result } = results.get(id)!;
  if (!result.accepted) throw new Error(`${id} refused: ${result.errors.join('; ')}`);
  applyMs.push(at - sentAt);
  bytes.push(size);
  await new Promise((resolve) => setTimeout(resolve, 300));
  gapsMs.push(widestGapMs);
}
const seqAfter = agent.buffer.stats().lastSeq;
await agent.stop();
await client.endAsync();
await broker.stop();
rmSync(dir, { recursive: true, force: true });

report('remote-apply', { runs, seqBefore, seqAfter }, [
  { figure: 'config/set to accepted config/result, median', value: round(median(applyMs), 1), unit: 'ms' },
  { figure: 'config/set to accepted config/result, p90', value: round(percentile(applyMs, 90), 1), unit: 'ms' },
  { figure: 'widest pause between readings around a change, median', value: round(median(gapsMs), 1), unit: 'ms', baseline: 20, baselineWhat: 'sensor interval' },
  { figure: 'config/result message size', value: Math.max(...bytes), unit: 'bytes' },
]);
