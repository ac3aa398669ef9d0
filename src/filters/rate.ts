// The steps that save bandwidth: `throttle` (at most one value per period) and `delta` (only a
// value that moved far enough from the last one passed on) with `heartbeat` (pass one anyway when
// none passed for this long, so a quiet sensor is not taken for a dead one). The first value
// always passes. A relative delta ("2%") is measured against the last passed value; when that is 0
// any change passes (2 % of nothing would be nothing, and a value leaving 0 is news).
import type { Stage } from './stage.js';
import type { DeltaOptions } from '../config/filter-schema.js';

export function throttleStage(periodMs: number): Stage {
  let lastAt: number | undefined;
  return {
    push: (value, atMs) => {
      if (lastAt !== undefined && atMs - lastAt < periodMs) return undefined;
      lastAt = atMs;
      return value;
    },
  };
}

/** True when `value` is at least `delta` away from `reference`. */
export function movedEnough(value: number, reference: number, delta: DeltaOptions): boolean {
  const moved = Math.abs(value - reference);
  if (!delta.relative) return moved >= delta.amount;
  if (reference === 0) return moved > 0;
  return moved >= (Math.abs(reference) * delta.amount) / 100;
}

export function deltaStage(delta: DeltaOptions, heartbeatMs?: number): Stage {
  let last: { value: number; atMs: number } | undefined;
  return {
    push: (value, atMs) => {
      const due = last === undefined || movedEnough(value, last.value, delta) || (heartbeatMs !== undefined && atMs - last.atMs >= heartbeatMs);
      if (!due) return undefined;
      last = { value, atMs };
      return value;
    },
  };
}
