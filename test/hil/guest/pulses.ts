// Runs inside the guest: drives a gpio-sim input with N pulses at a given rate by writing
// pull-up / pull-down to its sim_gpioK/pull file, on an absolute schedule (a late pulse does not
// shift the next ones), each high and low for at least half a period as a meter's would be (a
// late one is not squeezed: the schedule slips instead, and the rate printed shows it). A process
// of its own, so the agent's and the broker's event loops do not jitter it. Prints one JSON line:
// pulses, duration, rate, how late the rising edges were, the shortest high and low times.
// Usage: node dist/hil/pulses.mjs /sys/.../sim_gpio27/pull COUNT HZ
import { closeSync, openSync, writeSync } from 'node:fs';

const [file, countArg = '1000', hzArg = '100'] = process.argv.slice(2);
if (!file) throw new Error('usage: pulses.mjs PULL_FILE COUNT HZ');
const count = Number(countArg);
const periodMs = 1000 / Number(hzArg);
const up = Buffer.from('pull-up');
const down = Buffer.from('pull-down');
const fd = openSync(file, 'w');
const sleeper = new Int32Array(new SharedArrayBuffer(4));
// Sleeps to 2 ms before, then spins: a sleep alone wakes a few ms late on a busy TCG guest.
const sleepUntil = (at: number): void => {
  const ms = at - performance.now() - 2;
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
  while (performance.now() < at) {
    // spin
  }
};
// pwrite at 0: every write is one store to the sysfs attribute.
const drive = (bytes: Buffer): void => {
  writeSync(fd, bytes, 0, bytes.length, 0);
};

const startedAt = Date.now();
const start = performance.now() + 20;
const halfMs = periodMs / 2;
let lateSumMs = 0;
let maxLateMs = 0;
let minHighMs = Infinity;
let minLowMs = Infinity;
let fellAt = -Infinity;
for (let pulse = 0; pulse < count; pulse += 1) {
  const due = start + pulse * periodMs;
  sleepUntil(Math.max(due, fellAt + halfMs));
  const roseAt = performance.now();
  drive(up);
  const lateMs = roseAt - due;
  lateSumMs += lateMs;
  maxLateMs = Math.max(maxLateMs, lateMs);
  minLowMs = Math.min(minLowMs, roseAt - fellAt);
  sleepUntil(Math.max(due + halfMs, roseAt + halfMs));
  fellAt = performance.now();
  drive(down);
  minHighMs = Math.min(minHighMs, fellAt - roseAt);
}
const durationMs = performance.now() - start;
closeSync(fd);
const round = (ms: number): number => Math.round(ms * 100) / 100;
process.stdout.write(`${JSON.stringify({ pulses: count, periodMs, startedAt, endedAt: Date.now(), durationMs: round(durationMs), meanLateMs: round(lateSumMs / count), maxLateMs: round(maxLateMs), minHighMs: round(minHighMs), minLowMs: round(minLowMs), rateHz: round((count * 1000) / durationMs) })}\n`);
