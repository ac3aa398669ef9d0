// What one filter step is at run time: a small stateful function from a value to a value, or to
// nothing (the value is filtered out this time). `atMs` is a monotonic time in ms, so a clock step
// never makes a throttle or heartbeat fire early or hold for hours.

import type { ErrorCode } from '../errors/catalogue.js';


export interface Stage {
  /** The value to pass on, or undefined when this step holds it back. Throws OutOfRangeError for `clamp`. */
  push(value: number, atMs: number): number | undefined;
}

/** A value outside a `clamp` range: the whole reading fails (counted), it is never clipped silently. */
export class OutOfRangeError extends Error {
  readonly code: ErrorCode = 'OUT_OF_RANGE';
  constructor(message: string) {
    super(`OUT_OF_RANGE: ${message}`);
    this.name = 'OutOfRangeError';
  }
}
