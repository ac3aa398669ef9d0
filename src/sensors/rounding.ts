// How every published number is rounded (README "How values are rounded"): to the nearest multiple
// of the value's resolution, decided on the exact binary value the formula produced, as C's
// printf("%.2f") decides it. `Math.round(x * 100) / 100` does not: the multiplication rounds first,
// so a value a hair below a half-way point can be carried over it. Number.prototype.toFixed works
// on the exact value; an exact tie (a value exactly half-way, e.g. 0.125 at 2 decimals) goes away
// from zero.

/** `value` rounded to `decimals` places (0..100), with -0 published as 0. */
export function roundToDecimals(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  const rounded = Number(value.toFixed(decimals));
  return rounded === 0 ? 0 : rounded;
}
