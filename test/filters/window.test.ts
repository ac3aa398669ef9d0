// median and average over a window, emitted on the first value and then every sendEvery-th.
import { describe, expect, it } from 'vitest';
import { averageStage, mean, median, medianStage } from '../../src/filters/window.js';

const run = (stage: { push(value: number, atMs: number): number | undefined }, values: number[]) => values.map((value, i) => stage.push(value, i));

describe('window steps', () => {
  it('averages what it has while the window is not full yet', () => {
    expect(run(averageStage({ window: 4, sendEvery: 1 }), [10, 20, 30])).toEqual([10, 15, 20]);
  });

  it('slides once full: the oldest value leaves', () => {
    expect(run(averageStage({ window: 2, sendEvery: 1 }), [10, 20, 30, 40])).toEqual([10, 15, 25, 35]);
  });

  it('emits the first value, then every sendEvery-th', () => {
    expect(run(averageStage({ window: 3, sendEvery: 3 }), [3, 6, 9, 12, 15, 18, 21])).toEqual([3, undefined, undefined, 9, undefined, undefined, 18]);
  });

  it('median ignores a single spike that an average would follow', () => {
    expect(run(medianStage({ window: 3, sendEvery: 1 }), [20, 20, 95, 20])).toEqual([20, 20, 20, 20]);
  });

  it('median of an even count is the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(mean([1, 2, 3, 4])).toBe(2.5);
  });
});
