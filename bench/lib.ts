// Shared pieces of the benchmarks: process figures from /proc, a prefilled buffer store (made once
// and copied per run), the built daemon as a child, and the one JSON line each benchmark prints.
import { readFileSync } from 'node:fs';
import { cp, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ReadingBuffer } from '../src/buffer/reading-buffer.js';

/**
 * The node flags the product starts the agent with: those between node and the script in the
 * systemd unit's ExecStart. Benchmarks start the built daemon with them; BENCH_NODE_FLAGS=none or
 * --no-node-flags: without; BENCH_NODE_FLAGS="--flag ...": with those instead (experiments).
 */
const flagsOverride = process.argv.includes('--no-node-flags') ? 'none' : process.env.BENCH_NODE_FLAGS;
export const PRODUCT_NODE_ARGS: string[] = (
  flagsOverride === 'none'
    ? ''
    : (flagsOverride ?? /^ExecStart=\S+\s+(.*?)\s*\S+sensor-agent\.js /m.exec(readFileSync(new URL('../systemd/sensor-agent.service', import.meta.url), 'utf8'))?.[1] ?? '')
)
  .split(/\s+/)
  .filter(Boolean);

export const silentLog = pino({ level: 'silent' });
export const BENCH_DIR = join(tmpdir(), 'sensor-agent-bench');
/** A typical reading: two values, as a BME280 or SHT3x gives them. */
export const VALUES = { temperature: 21.53, humidity: 40.2 };

export interface Figure {
  figure: string;
  value: number | string;
  unit: string;
  baseline?: number | string | undefined;
  baselineWhat?: string | undefined;
  ratio?: number | undefined;
  goal?: string | undefined;
}

/** The machine's load when this benchmark started: every JSON line carries it and the load at its end. */
const loadAtStart = readFileSync('/proc/loadavg', 'utf8').trim();

/** Prints the benchmark's one JSON line, with /proc/loadavg at its start and at its end. */
export function report(bench: string, params: Record<string, unknown>, figures: Figure[]): void {
  const loadavg = { start: loadAtStart, end: readFileSync('/proc/loadavg', 'utf8').trim() };
  process.stdout.write(`${JSON.stringify({ bench, ...params, loadavg, figures })}\n`);
}

export function arg(name: string, fallback: number): number;
export function arg(name: string, fallback: string): string;
export function arg(name: string, fallback: number | string): number | string {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0 || at + 1 >= process.argv.length) return fallback;
  const raw = process.argv[at + 1]!;
  return typeof fallback === 'number' ? Number(raw) : raw;
}

export interface ProcFigures {
  rssBytes: number;
  cpuSeconds: number;
  writeBytes: number;
}

/** RSS, CPU time (user + system) and block-device bytes written of a process, from /proc. */
export async function procFigures(pid: number): Promise<ProcFigures> {
  const [status, statLine, io] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8'),
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/io`, 'utf8').catch(() => ''),
  ]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  const writeBytes = Number(/write_bytes:\s+(\d+)/.exec(io)?.[1] ?? 0);
  return { rssBytes: rssKb * 1024, cpuSeconds: ticks / 100, writeBytes };
}

/** Samples a process's RSS every `everyMs` until stopped; resolves with the highest. */
export function sampleRss(pid: number, everyMs = 100): { stop(): Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const figures = await procFigures(pid).catch(() => null);
      if (figures) max = Math.max(max, figures.rssBytes);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return max;
    },
  };
}

/** A store with `count` waiting readings of sensor `sensor`, made once under BENCH_DIR and copied to `to`. */
export async function prefilledStore(count: number, to: string, sensor = 'greenhouse'): Promise<void> {
  const template = join(BENCH_DIR, `store-${sensor}-${count}`);
  const done = await stat(join(template, 'DONE')).then(() => true, () => false);
  if (!done) {
    await rm(template, { recursive: true, force: true });
    await mkdir(BENCH_DIR, { recursive: true });
    const buffer = new ReadingBuffer({ path: join(template, 'db'), maxBytes: 4e9, overflow: 'drop-oldest', commitIntervalMs: 60_000 }, silentLog);
    await buffer.start();
    const ts = Date.now();
    for (let seq = 0; seq < count; seq += 2000) {
      const n = Math.min(2000, count - seq);
      await Promise.all(Array.from({ length: n }, (_, i) => buffer.append({ sensor, ts: ts + seq + i, values: VALUES })));
    }
    await buffer.stop();
    await import('node:fs/promises').then((fs) => fs.writeFile(join(template, 'DONE'), ''));
  }
  await rm(to, { recursive: true, force: true });
  await cp(join(template, 'db'), to, { recursive: true });
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;
/** MB of 10^6 bytes: the one size convention of the agent's output and docs (README, Configuration). */
export const mb = (bytes: number): number => round(bytes / 1e6, 1);
