// Downsample: a 7-day outage at 1 reading/s of 4 sensors into a 1 MB store.maxBytes with
// store.overflow downsample, in simulated time: the readings, with synthetic timestamps one second
// apart, go straight into the real ReadingBuffer over a real LevelDB, 60 simulated seconds (240
// readings, one batch) at a time, each batch after the summarizing it set off has finished (at 4
// readings/s a device has seconds for what takes milliseconds here). Then the buffer is read out as
// the publisher would and every summary is checked against the readings it replaced and against
// the true signal (greenhouse temperatures: a daily sine, a slower weekly drift and noise).
// Usage: node --import tsx bench/downsample.ts --days 7 --max-bytes 1000000
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { ReadingBuffer } from '../src/buffer/reading-buffer.js';
import type { StoredReading } from '../src/buffer/types.js';
import { arg, BENCH_DIR, report, round, silentLog } from './lib.js';

const days = arg('days', 7);
const maxBytes = arg('max-bytes', 1_000_000);
const SENSORS = ['greenhouse', 'propagator', 'polytunnel', 'outside'];
const SECONDS = Math.round(days * 86_400);
const STEP_S = 60;
const T0 = 1_764_000_000_000;
const DAY_S = 86_400;

/** The true (noise-free) temperature of sensor s at second i. */
const signal = (s: number, i: number): number => 18 + 2 * s + 6 * Math.sin((2 * Math.PI * i) / DAY_S + s) + 1.5 * Math.sin((2 * Math.PI * i) / (7 * DAY_S));
/** Deterministic noise (mulberry32), sd about 0.3 °C. */
let seed = 21;
const uniform = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const noise = (): number => (uniform() + uniform() + uniform() - 1.5) * 0.6;

const dir = join(BENCH_DIR, `downsample-${process.pid}`);
const buffer = new ReadingBuffer({ path: dir, maxBytes, overflow: 'downsample', commitIntervalMs: 5000 }, silentLog);
await buffer.start();
/** What each reading held, by seq: seq = 4 i + s + 1 (appends of one turn take seqs in call order). */
const measured = new Float64Array(SECONDS * SENSORS.length);
let maxBytesSeen = 0;
const started = performance.now();
for (let from = 0; from < SECONDS; from += STEP_S) {
  const appends: Array<Promise<StoredReading | null>> = [];
  for (let i = from; i < Math.min(from + STEP_S, SECONDS); i++) {
    SENSORS.forEach((sensor, s) => {
      const temperature = Math.round((signal(s, i) + noise()) * 100) / 100;
      measured[i * SENSORS.length + s] = temperature;
      appends.push(buffer.append({ sensor, ts: T0 + i * 1000, values: { temperature } }));
    });
  }
  const stored = await Promise.all(appends);
  if (stored.some((r) => r === null)) throw new Error('a reading was refused');
  await buffer.downsampled();
  maxBytesSeen = Math.max(maxBytesSeen, buffer.stats().bytes);
}
const feedMs = performance.now() - started;
const stats = buffer.stats();

// Read out in seq order, as the publisher drains it after the outage.
const entries: StoredReading[] = [];
for (let cursor = 0; ; ) {
  const page = await buffer.readFrom(cursor, 10_000);
  if (page.length === 0) break;
  entries.push(...page);
  cursor = page.at(-1)!.seq;
}
await buffer.stop();
await rm(dir, { recursive: true, force: true });

const total = SECONDS * SENSORS.length;
const where = (seq: number): { s: number; i: number } => ({ s: (seq - 1) % SENSORS.length, i: Math.floor((seq - 1) / SENSORS.length) });
let asReadings = 0;
let summarized = 0;
let meanVsReadingsMax = 0;
let squaredVsSignal = 0;
let worstVsSignal = 0;
let squaredReadingsVsSignal = 0;
const windows: number[] = [];
const spansS: number[] = [];
for (const entry of entries) {
  if (entry.summary === undefined) {
    asReadings++;
    const { s, i } = where(entry.seq);
    squaredReadingsVsSignal += (entry.values.temperature! - signal(s, i)) ** 2;
    continue;
  }
  const { s, i: first } = where(entry.seq);
  const last = where(entry.summary.lastSeq).i;
  const stat = entry.summary.values.temperature!;
  let sum = 0;
  let signalSum = 0;
  for (let i = first; i <= last; i++) {
    sum += measured[i * SENSORS.length + s]!;
    signalSum += signal(s, i);
  }
  const n = last - first + 1;
  if (n !== entry.summary.n || stat.n !== n) throw new Error(`summary at seq ${entry.seq} says ${entry.summary.n} readings, its range holds ${n}`);
  meanVsReadingsMax = Math.max(meanVsReadingsMax, Math.abs(stat.mean - sum / n));
  worstVsSignal = Math.max(worstVsSignal, Math.abs(stat.mean - signalSum / n));
  // The week rebuilt from the summaries: each second of the window at the window's mean.
  for (let i = first; i <= last; i++) squaredVsSignal += (stat.mean - signal(s, i)) ** 2;
  summarized += n;
  windows.push(n);
  spansS.push((entry.summary.lastTs - entry.ts) / 1000 + 1);
}
const lost = total - asReadings - summarized;
const min = (values: number[]): number => values.reduce((a, b) => Math.min(a, b), Infinity);
const max = (values: number[]): number => values.reduce((a, b) => Math.max(a, b), -Infinity);
const hours = (s: number): string => (s >= 3600 ? `${round(s / 3600, 1)} h` : s >= 60 ? `${round(s / 60, 1)} min` : `${s} s`);
report('downsample', { days, maxBytes, sensors: SENSORS.length }, [
  { figure: `downsample: readings taken in ${days} days offline (4 sensors, 1/s)`, value: total, unit: 'readings' },
  { figure: 'downsample: readings delivered as readings (the newest)', value: asReadings, unit: 'readings' },
  { figure: 'downsample: readings delivered inside summaries', value: summarized, unit: 'readings', baseline: stats.dropped, baselineWhat: 'buffer.dropped' },
  { figure: 'downsample: readings lost (neither)', value: lost, unit: 'readings', goal: '0' },
  { figure: 'downsample: messages after the outage (readings + summaries)', value: entries.length, unit: 'messages', baseline: stats.summaries ?? 0, baselineWhat: 'of them summaries' },
  { figure: 'downsample: smallest / largest summary window', value: `${min(windows)} / ${max(windows)}`, unit: 'readings', baseline: `${hours(min(spansS))} / ${hours(max(spansS))}`, baselineWhat: 'sampled time' },
  { figure: 'downsample: store bytes, most after any batch', value: maxBytesSeen, unit: 'bytes', baseline: maxBytes, baselineWhat: 'store.maxBytes', ratio: round(maxBytesSeen / maxBytes, 3), goal: '≤ 1' },
  { figure: 'downsample: summary mean vs mean of the readings it replaced, worst', value: Number(meanVsReadingsMax.toExponential(2)), unit: '°C' },
  { figure: 'downsample: summary mean vs mean of the true signal over its window, worst', value: round(worstVsSignal, 3), unit: '°C' },
  { figure: 'downsample: the week rebuilt from summary means vs the true signal, RMS', value: round(Math.sqrt(squaredVsSignal / Math.max(summarized, 1)), 3), unit: '°C', baseline: round(Math.sqrt(squaredReadingsVsSignal / Math.max(asReadings, 1)), 3), baselineWhat: 'the readings themselves (noise)' },
  { figure: 'downsample: feeding the week (simulated time)', value: round(feedMs / 1000, 1), unit: 's', baseline: Math.round(total / (feedMs / 1000)), baselineWhat: 'readings/s' },
]);
