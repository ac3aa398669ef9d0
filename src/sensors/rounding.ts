// How every published number is rounded (README "How values are rounded"): to the nearest multiple
// of the value's resolution, decided on the exact binary value the formula produced, as C's
// printf("%.2f") decides it. `Math.round(x * 100) / 100` does not: the multiplication rounds first,
// so a value a hair below a half-way point can be carried over it. Number.prototype.toFixed works
// on the exact value; an exact tie (a value exactly half-way, e.g. 0.125 at 2 decimals) goes away
// from zero. Drivers round by their value definitions (roundValues), so the decimals a driver
// declares and the decimals it publishes are one number.
import type { ValueDefinitions, Values } from './types.js';

/** `value` rounded to `decimals` places (0..100), with -0 published as 0. */
export function roundToDecimals(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  const rounded = Number(value.toFixed(decimals));
  return rounded === 0 ? 0 : rounded;
}

/** Each value rounded to the decimals its definition gives; a value without one is kept as it came. */
export function roundValues(values: Values, definitions: ValueDefinitions): Values {
  const rounded: Values = {};
  for (const [name, value] of Object.entries(values)) {
    const decimals = definitions[name]?.decimals;
    rounded[name] = decimals === undefined ? value : roundToDecimals(value, decimals);
  }
  return rounded;
}
