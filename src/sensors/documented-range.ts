// One rule for every driver (README "Documented ranges"): a value that no real condition can give
// beyond a physical bound, which the compensation formula's own error crosses near the bound
// (relative humidity below 0 or above 100 %), is clamped to the bound, as the vendors' code does. A
// value outside the range the chip's datasheet specifies it for (temperature, pressure) is a failed
// reading: the chip is not specified there, and a vendor-style clamp would publish a number (85.00
// °C) that cannot be told from a true one. The sensor is marked failed and retried.
import { SensorError } from './types.js';

export interface DocumentedRange {
  min: number;
  max: number;
  unit: string;
  /** Where the range is documented, for the message. */
  source: string;
}

/** Throws OUT_OF_RANGE naming the value, the range and its source when `value` is outside it. */
export function checkDocumentedRange(what: string, name: string, value: number, range: DocumentedRange): number {
  if (value >= range.min && value <= range.max) return value;
  throw new SensorError(
    'OUT_OF_RANGE',
    `${what}: ${name} ${Number(value.toFixed(4))} ${range.unit} is outside the chip's documented range ${range.min}..${range.max} ${range.unit} (${range.source}); ` +
      'not published: check the sensor and its wiring (a damaged or wrongly trimmed chip reads like this)',
  );
}

/** Relative humidity: clamped to 0..100 %RH (the one physical bound clamped, see the header). */
export function clampHumidity(percent: number): number {
  return Math.min(100, Math.max(0, percent));
}
