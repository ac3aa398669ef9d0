// Ingest: readings/s the buffer accepts from the `simulated` driver with `burst` (appended in one
// turn per tick with appendAll, as the sampler does), against bare classic-level batched puts:
// of a constant value without a driver (the first row, as since round 1), and like for like, of
// the same driver's readings read in the timed loop as the agent's are (the buffer's own cost).
// Each side runs `rounds` times, the order turned each round, in fresh stores; figures are medians
// (one 200k run of either is under a second, and LevelDB's compactions move it by a third).
// Usage: node --import tsx bench/ingest.ts --readings 200000 --burst 1000 --rounds 5
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { ReadingBuffer } from '../src/buffer/reading-buffer.js';
import { encodeReading, readingKey } from '../src/buffer/codec.js';
import { createSimulated } from '../src/sensors/simulated.js';
import type { Values } from '../src/sensors/types.js';
import { arg, BENCH_DIR, report, round, silentLog } from './lib.js';

const readings = arg('readings', 200_000);
const burst = arg('burst', 1000);
const rounds = arg('rounds', 5);
const dir = join(BENCH_DIR, `ingest-${process.pid}`);

const simulated = (): ReturnType<typeof createSimulated> => createSimulated({ signal: 'sine', burst, min: 0, max: 100, period: 60_000, decimals: 2 });
const readBurst = (sensor: ReturnType<typeof createSimulated>): Promise<Values[]> => Promise.all(Array.from({ length: burst }, () => sensor.read()));

async function agentRun(path: string): Promise<number> {
  const sensor = simulated();
  const buffer = new ReadingBuffer({ path, maxBytes: 4e9, overflow: 'drop-oldest', commitIntervalMs: 5000 }, silentLog);
  await buffer.start();
  const began = performance.now();
  for (let done = 0; done < readings; done += burst) {
    const values = await readBurst(sensor);
    const ts = Date.now();
    const burstReadings = values.map((v) => ({ sensor: 'load', ts, values: v }));
    // round2.mjs runs this file against the commit before round 2 too, whose sampler appended one by one.
    if ('appendAll' in buffer) await buffer.appendAll(burstReadings);
    else await Promise.all(burstReadings.map((reading) => (buffer as ReadingBuffer).append(reading)));
  }
  const ms = performance.now() - began;
  await buffer.stop();
  return ms;
}

async function bareRun(path: string, next: () => Promise<Values[]>): Promise<number> {
  const db = new ClassicLevel<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  const began = performance.now();
  for (let done = 0; done < readings; done += burst) {
    const values = await next();
    const ts = Date.now();
    await db.batch(values.map((v, i) => ({ type: 'put' as const, key: readingKey(done + i + 1), value: encodeReading({ sensor: 'load', ts, values: v }) })));
  }
  const ms = performance.now() - began;
  await db.close();
  return ms;
}

const constant = Array.from({ length: burst }, () => ({ value: 42.42 }));
const sides: Record<string, (path: string) => Promise<number>> = {
  agent: agentRun,
  bare: (path) => bareRun(path, () => Promise.resolve(constant)),
  like: (path) => {
    const sensor = simulated();
    return bareRun(path, () => readBurst(sensor));
  },
};
const names = Object.keys(sides);
const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(r + i) % names.length]!;
    const path = join(dir, `${name}-${r}`);
    times[name]!.push(await sides[name]!(path));
    await rm(path, { recursive: true, force: true });
  }
}
await rm(dir, { recursive: true, force: true });
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rate = (name: string): number => readings / (median(times[name]!) / 1000);
const [agentRate, bareRate, likeRate] = [rate('agent'), rate('bare'), rate('like')];
report('ingest', { readings, burst, rounds }, [
  { figure: `ingest (simulated, burst ${burst})`, value: Math.round(agentRate), unit: 'readings/s', baseline: Math.round(bareRate), baselineWhat: 'classic-level batched puts', ratio: round(agentRate / bareRate), goal: '≥ 0.75×' },
  {
    figure: `ingest like for like (simulated, burst ${burst})`,
    value: Math.round(agentRate),
    unit: 'readings/s',
    baseline: Math.round(likeRate),
    baselineWhat: 'classic-level batched puts of the same driver’s readings',
    ratio: round(agentRate / likeRate),
    goal: '≥ 0.75×',
  },
]);
