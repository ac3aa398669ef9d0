// The stateless steps: `offset`, `multiply`, `calibrate` (the least-squares line of linear-fit.ts)
// and `clamp`, which fails the reading instead of clipping the value (a sensor reading 150 °C is
// broken, and a clipped 85 °C would hide that).
import { linearFit } from './linear-fit.js';
import { OutOfRangeError, type Stage } from './stage.js';

export function offsetStage(amount: number): Stage {
  return { push: (value) => value + amount };
}

export function multiplyStage(factor: number): Stage {
  return { push: (value) => value * factor };
}

export function calibrateStage(points: ReadonlyArray<readonly [number, number]>): Stage {
  const fit = linearFit(points);
  // The schema rejects point sets without a line; this guards a direct caller.
  if (fit === null) throw new Error('calibrate needs two points with different raw values');
  return { push: (value) => fit.slope * value + fit.intercept };
}

export function clampStage(valueName: string, range: { min?: number; max?: number }): Stage {
  const { min = -Infinity, max = Infinity } = range;
  const bounds = `${range.min ?? '-∞'}..${range.max ?? '∞'}`;
  return {
    push: (value) => {
      if (value < min || value > max || Number.isNaN(value)) throw new OutOfRangeError(`${valueName} ${value} is outside the clamp range ${bounds}`);
      return value;
    },
  };
}
