// throttle, delta (absolute and relative) and heartbeat, on the monotonic time they are given.
import { describe, expect, it } from 'vitest';
import { deltaStage, movedEnough, throttleStage } from '../../src/filters/rate.js';

describe('throttle', () => {
  it('passes the first value and then at most one per period', () => {
    const stage = throttleStage(1000);
    expect([0, 400, 999, 1000, 1500, 2100].map((at, i) => stage.push(i, at))).toEqual([0, undefined, undefined, 3, undefined, 5]);
  });
});

describe('delta', () => {
  it('passes the first value, then only a move of at least the amount from the last passed value', () => {
    const stage = deltaStage({ amount: 0.2, relative: false });
    // 21.1 and 21.15 stay near 21.0; 21.25 is 0.25 from it; 21.3 is only 0.05 from 21.25.
    expect([21.0, 21.1, 21.15, 21.25, 21.3, 21.0].map((value, i) => stage.push(value, i * 2000))).toEqual([21.0, undefined, undefined, 21.25, undefined, 21.0]);
  });

  it('with a heartbeat, passes a value anyway when none passed for that long', () => {
    const stage = deltaStage({ amount: 1, relative: false }, 300_000);
    expect(stage.push(20, 0)).toBe(20);
    expect(stage.push(20, 299_999)).toBeUndefined();
    expect(stage.push(20.1, 300_000)).toBe(20.1);
    // The heartbeat counts from the last value that passed, whatever made it pass.
    expect(stage.push(25, 400_000)).toBe(25);
    expect(stage.push(25, 699_999)).toBeUndefined();
    expect(stage.push(25, 700_000)).toBe(25);
  });

  it('a door contact (0/1) with delta 1 passes every change and nothing else', () => {
    const stage = deltaStage({ amount: 1, relative: false });
    expect([0, 0, 1, 1, 1, 0].map((level, i) => stage.push(level, i))).toEqual([0, undefined, 1, undefined, undefined, 0]);
  });

  it('a relative delta is measured against the size of the last passed value', () => {
    const stage = deltaStage({ amount: 2, relative: true });
    expect([100, 101.9, 102, 99.9].map((value, i) => stage.push(value, i))).toEqual([100, undefined, 102, 99.9]);
    // Negative values: 2 % of |-50| is 1.
    const negative = deltaStage({ amount: 2, relative: true });
    expect([-50, -50.9, -51].map((value, i) => negative.push(value, i))).toEqual([-50, undefined, -51]);
  });

  it('a relative delta around zero: from 0 any change passes, a repeated 0 does not', () => {
    expect(movedEnough(0, 0, { amount: 2, relative: true })).toBe(false);
    expect(movedEnough(0.001, 0, { amount: 2, relative: true })).toBe(true);
    expect(movedEnough(-0.001, 0, { amount: 2, relative: true })).toBe(true);
    // Near zero, 2 % is tiny: 0.01 → 0.0103 moves 3 %.
    expect(movedEnough(0.0103, 0.01, { amount: 2, relative: true })).toBe(true);
    expect(movedEnough(0.0101, 0.01, { amount: 2, relative: true })).toBe(false);
    const stage = deltaStage({ amount: 2, relative: true });
    expect([0, 0, 0.5, 0.505, 0].map((value, i) => stage.push(value, i))).toEqual([0, undefined, 0.5, undefined, 0]);
  });

  it('a delta of 0 passes every change but not a repeat', () => {
    const stage = deltaStage({ amount: 0, relative: false });
    // |v - last| >= 0 always holds: delta 0 passes everything (use it with care).
    expect([1, 1, 2].map((value, i) => stage.push(value, i))).toEqual([1, 1, 2]);
  });
});
