// `median` and `average` over the last `window` values, emitted on the first value and then on
// every `sendEvery`-th: with sendEvery = window the device reports one smoothed value per window,
// with sendEvery 1 a moving one. Until the window has filled, the statistic is taken over the
// values so far, so a technician sees a value at start.
import type { Stage } from './stage.js';
import type { WindowOptions } from '../config/filter-schema.js';

function windowStage(options: WindowOptions, statistic: (values: readonly number[]) => number): Stage {
  const values: number[] = [];
  let seen = 0;
  return {
    push: (value) => {
      values.push(value);
      if (values.length > options.window) values.shift();
      seen += 1;
      // The 1st, then the (1 + sendEvery)th, (1 + 2 sendEvery)th, ...
      return (seen - 1) % options.sendEvery === 0 ? statistic(values) : undefined;
    },
  };
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export const averageStage = (options: WindowOptions): Stage => windowStage(options, mean);
export const medianStage = (options: WindowOptions): Stage => windowStage(options, median);
