// Child process for the kill -9 specification: appends bursts forever, printing each accepted seq.
// With `mixed` after the path every third reading is high priority, printed as `<seq> h`.
import { pino } from 'pino';
import { ReadingBuffer } from '../../src/buffer/reading-buffer.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: append-until-killed <store path> [mixed]');
const mixed = process.argv[3] === 'mixed';
const buffer = new ReadingBuffer({ path, maxBytes: 1 << 30, overflow: 'drop-oldest', commitIntervalMs: 60_000 }, pino({ level: 'silent' }));
await buffer.start();
for (let i = 0; ; i++) {
  const burst = Array.from({ length: 1 + (i % 20) }, (_, j) => buffer.append({ sensor: 'probe', ts: Date.now(), values: { value: i * 100 + j }, ...(mixed && j % 3 === 0 ? { high: true } : {}) }));
  for (const stored of await Promise.all(burst)) {
    // stdout to a pipe is synchronous on Linux: once written, the parent will read it.
    if (stored !== null) process.stdout.write(stored.high === true ? `${stored.seq} h\n` : `${stored.seq}\n`);
  }
}
