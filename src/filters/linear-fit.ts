// The least-squares line through calibration points (the `calibrate` filter): each point is
// [raw, true], the fit is true = slope × raw + intercept. Two points give the line through them;
// more points give the line with the smallest squared error, and its worst residual says how well
// a line describes the sensor.

export interface LinearFit {
  slope: number;
  intercept: number;
  /** The largest |true - fitted| over the points (0 for two points). */
  maxResidual: number;
}

/** Null when the raw values are all the same (no line is defined). */
export function linearFit(points: ReadonlyArray<readonly [number, number]>): LinearFit | null {
  const n = points.length;
  if (n < 2) return null;
  let meanX = 0;
  let meanY = 0;
  for (const [x, y] of points) {
    meanX += x / n;
    meanY += y / n;
  }
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - meanX) ** 2;
    sxy += (x - meanX) * (y - meanY);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let maxResidual = 0;
  for (const [x, y] of points) maxResidual = Math.max(maxResidual, Math.abs(y - (slope * x + intercept)));
  return { slope, intercept, maxResidual };
}

const short = (value: number, digits: number): string => String(Number(value.toPrecision(digits)));

/** `true = 0.943333 × raw + 3.63333 (worst residual 0)`, for check-config. */
export function describeFit(fit: LinearFit): string {
  const sign = fit.intercept < 0 ? '-' : '+';
  return `true = ${short(fit.slope, 6)} × raw ${sign} ${short(Math.abs(fit.intercept), 6)} (worst residual ${Number(fit.maxResidual.toFixed(4))})`;
}
