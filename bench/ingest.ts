// Ingest: readings/s the buffer accepts from the `simulated` driver with `burst` (appended in one
// turn per tick, as the sampler does), against bare classic-level batched puts of the same bytes.
// Usage: node --import tsx bench/ingest.ts --readings 200000 --burst 1000
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { ReadingBuffer } from '../src/buffer/reading-buffer.js';
import { encodeReading, readingKey } from '../src/buffer/codec.js';
import { createSimulated } from '../src/sensors/simulated.js';
import { arg, BENCH_DIR, report, round, silentLog } from './lib.js';

const readings = arg('readings', 200_000);
const burst = arg('burst', 1000);
const dir = join(BENCH_DIR, `ingest-${process.pid}`);

const sensor = createSimulated({ signal: 'sine', burst, min: 0, max: 100, period: 60_000, decimals: 2 });
const buffer = new ReadingBuffer({ path: join(dir, 'agent'), maxBytes: 4e9, overflow: 'drop-oldest', commitIntervalMs: 5000 }, silentLog);
await buffer.start();
let started = performance.now();
for (let done = 0; done < readings; done += burst) {
  const values = await Promise.all(Array.from({ length: burst }, () => sensor.read()));
  const ts = Date.now();
  await Promise.all(values.map((v) => buffer.append({ sensor: 'load', ts, values: v })));
}
const agentMs = performance.now() - started;
await buffer.stop();

const db = new ClassicLevel<string, string>(join(dir, 'bare'), { keyEncoding: 'utf8', valueEncoding: 'utf8' });
await db.open();
started = performance.now();
for (let done = 0; done < readings; done += burst) {
  const ts = Date.now();
  const ops = Array.from({ length: burst }, (_, i) => ({ type: 'put' as const, key: readingKey(done + i + 1), value: encodeReading({ sensor: 'load', ts, values: { value: 42.42 } }) }));
  await db.batch(ops);
}
const bareMs = performance.now() - started;
await db.close();
await rm(dir, { recursive: true, force: true });
const agentRate = readings / (agentMs / 1000);
const bareRate = readings / (bareMs / 1000);
report('ingest', { readings, burst }, [
  { figure: `ingest (simulated, burst ${burst})`, value: Math.round(agentRate), unit: 'readings/s', baseline: Math.round(bareRate), baselineWhat: 'classic-level batched puts', ratio: round(agentRate / bareRate), goal: '≥ 0.5×' },
]);
