// offset, multiply, calibrate and clamp, and the least-squares line calibrate uses.
import { describe, expect, it } from 'vitest';
import { calibrateStage, clampStage, multiplyStage, offsetStage } from '../../src/filters/arithmetic.js';
import { describeFit, linearFit } from '../../src/filters/linear-fit.js';
import { OutOfRangeError } from '../../src/filters/stage.js';

describe('linear fit', () => {
  it('goes through both points of a two-point calibration', () => {
    const fit = linearFit([[20, 22.5], [80, 79.1]])!;
    expect(fit.slope).toBeCloseTo(56.6 / 60, 12);
    expect(fit.intercept).toBeCloseTo(22.5 - (56.6 / 60) * 20, 12);
    expect(fit.maxResidual).toBeCloseTo(0, 12);
  });

  it('is the least-squares line through more points, with its worst residual', () => {
    // y = 2x + 1 with residuals +1, -2, +1 around it: the fit is the line itself.
    const fit = linearFit([[0, 2], [1, 1], [2, 6]])!;
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(1, 12);
    expect(fit.maxResidual).toBeCloseTo(2, 12);
  });

  it('has no line when every raw value is the same', () => {
    expect(linearFit([[5, 1], [5, 2]])).toBeNull();
  });

  it('reads as a formula for check-config', () => {
    expect(describeFit(linearFit([[20, 22.5], [80, 79.1]])!)).toBe('true = 0.943333 × raw + 3.63333 (worst residual 0)');
    expect(describeFit(linearFit([[0, -1], [1, 0]])!)).toBe('true = 1 × raw - 1 (worst residual 0)');
  });
});

describe('arithmetic steps', () => {
  it('offset adds and multiply scales', () => {
    expect(offsetStage(-1.8).push(21.53, 0)).toBeCloseTo(19.73, 12);
    expect(multiplyStage(1.5).push(2, 0)).toBe(3);
  });

  it('calibrate maps the reference points onto their true values', () => {
    const stage = calibrateStage([[20, 22.5], [80, 79.1]]);
    expect(stage.push(20, 0)).toBeCloseTo(22.5, 12);
    expect(stage.push(80, 0)).toBeCloseTo(79.1, 12);
    expect(stage.push(50, 0)).toBeCloseTo(50.8, 12);
  });

  it('clamp passes a value in range, bounds included', () => {
    const stage = clampStage('temperature', { min: -40, max: 85 });
    expect(stage.push(-40, 0)).toBe(-40);
    expect(stage.push(85, 0)).toBe(85);
  });

  it('clamp fails a value out of range instead of clipping it', () => {
    const stage = clampStage('temperature', { min: -40, max: 85 });
    expect(() => stage.push(150.2, 0)).toThrow(OutOfRangeError);
    expect(() => stage.push(150.2, 0)).toThrow('OUT_OF_RANGE: temperature 150.2 is outside the clamp range -40..85');
    expect(() => clampStage('humidity', { max: 100 }).push(100.5, 0)).toThrow('humidity 100.5 is outside the clamp range -∞..100');
  });
});
