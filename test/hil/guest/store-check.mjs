// Runs inside the real-kernel guest (plain Node, no build): opens the agent's LevelDB store the way
// the agent does and prints one console line `hil-store {...}` with what survived: how many
// readings, the first and last seq, and every gap between them (as [from, to] ranges, at most 20).
// Usage: node test/hil/guest/store-check.mjs <store path>
import { ClassicLevel } from 'classic-level';

const path = process.argv[2];
const db = new ClassicLevel(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
await db.open();
let count = 0;
let first = null;
let last = null;
const gaps = [];
let gapCount = 0;
for await (const key of db.keys({ gte: 'r', lt: 's' })) {
  const seq = parseInt(key.slice(1), 16);
  if (last !== null && seq !== last + 1) {
    gapCount += 1;
    if (gaps.length < 20) gaps.push([last + 1, seq - 1]);
  }
  if (first === null) first = seq;
  last = seq;
  count += 1;
}
await db.close();
console.log(`hil-store ${JSON.stringify({ count, first, last, gapCount, gaps })}`);
