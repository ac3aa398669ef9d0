// Child process for the epoch specification: opens the buffer with a boot id file of the test's
// own, appends `count` readings, prints `appended <lastSeq>`, and waits to be killed (an unclean stop).
import { pino } from 'pino';
import { ReadingBuffer } from '../../src/buffer/reading-buffer.js';

const [path, bootIdPath, count] = process.argv.slice(2);
if (path === undefined || bootIdPath === undefined || count === undefined) throw new Error('usage: append-then-hang <store path> <boot id file> <count>');
const buffer = new ReadingBuffer({ path, bootIdPath, maxBytes: 1 << 30, overflow: 'drop-oldest', commitIntervalMs: 60_000 }, pino({ level: 'silent' }));
await buffer.start();
const stored = await Promise.all(Array.from({ length: Number(count) }, (_, i) => buffer.append({ sensor: 'probe', ts: 1_764_000_000_000 + i, values: { value: i } })));
process.stdout.write(`appended ${stored.at(-1)?.seq ?? buffer.stats().lastSeq} epoch ${buffer.stats().epoch}\n`);
setInterval(() => undefined, 60_000);
