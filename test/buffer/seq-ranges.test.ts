// The removed seqs above the lowest waiting one, as ranges (src/buffer/seq-ranges.ts).
import { describe, expect, it } from 'vitest';
import { SeqRanges } from '../../src/buffer/seq-ranges.js';

/** The same set as a plain Set, for comparison. */
function members(ranges: SeqRanges, upTo: number): number[] {
  return Array.from({ length: upTo + 1 }, (_, i) => i).filter((seq) => ranges.has(seq));
}

describe('SeqRanges', () => {
  it('keeps a run of seqs as one range, whichever end it grows at', () => {
    const ranges = new SeqRanges();
    for (let seq = 10; seq <= 1000; seq++) ranges.add(seq);
    for (let seq = 9; seq >= 5; seq--) ranges.add(seq);
    expect(ranges.size).toBe(1);
    expect(ranges.has(4)).toBe(false);
    expect(ranges.has(5)).toBe(true);
    expect(ranges.has(1000)).toBe(true);
    expect(ranges.has(1001)).toBe(false);
  });

  it('holds the same seqs as a Set whatever the order they come in, merging what touches', () => {
    const ranges = new SeqRanges();
    const expected = new Set<number>();
    let x = 7;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const seq = x % 500;
      ranges.add(seq);
      expected.add(seq);
    }
    ranges.add(600, 650);
    for (let seq = 600; seq <= 650; seq++) expected.add(seq);
    expect(members(ranges, 700)).toEqual([...expected].sort((a, b) => a - b));
    // Disjoint and not adjacent: as few ranges as the set has runs.
    const sorted = [...expected].sort((a, b) => a - b);
    const runs = sorted.filter((seq, i) => i === 0 || sorted[i - 1] !== seq - 1).length;
    expect(ranges.size).toBe(runs);
  });

  it('skips from a seq past every removed one above it and forgets what is below', () => {
    const ranges = new SeqRanges();
    ranges.add(3, 5);
    ranges.add(7);
    ranges.add(8, 9);
    expect(ranges.skipFrom(2)).toBe(2);
    expect(ranges.skipFrom(3)).toBe(6);
    expect(ranges.has(4)).toBe(false); // forgotten: below the lowest waiting seq
    expect(ranges.skipFrom(7)).toBe(10);
    expect(ranges.size).toBe(0);
  });

  it('costs one range per run: a kept seq among a million removed ones', () => {
    const ranges = new SeqRanges();
    for (let seq = 2; seq <= 1_000_001; seq++) if (seq !== 500_000) ranges.add(seq);
    expect(ranges.size).toBe(2);
  });
});
