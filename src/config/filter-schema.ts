// The `filters:` key of a sensor (README, "Filters"): value name (or `all`) → a list of steps, each a
// mapping with exactly one filter key (`delta` may carry `heartbeat` beside it). One strict object
// with every filter key optional, so unknown keys get the usual "did you mean" and every problem
// names its full path (`sensors[0].filters.temperature[1].average.window: ...`). What the steps do
// is src/filters/; this module only says what a valid step looks like.
import { z } from 'zod';
import { duration } from '../schema/units.js';
import { evenWithFieldProblems, expecting } from '../schema/fields.js';
import { linearFit } from '../filters/linear-fit.js';

/** The key that applies a list to every value of the sensor. */
export const ALL_VALUES = 'all';

export const FILTER_NAMES = ['offset', 'multiply', 'calibrate', 'clamp', 'median', 'average', 'throttle', 'delta'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];

export interface WindowOptions {
  /** Values the median or average is taken over. */
  window: number;
  /** Emit every this many values (the first value is always emitted). */
  sendEvery: number;
}

/** `delta: 0.2` → { amount: 0.2, relative: false }; `delta: "2%"` → { amount: 2, relative: true }. */
export interface DeltaOptions {
  amount: number;
  relative: boolean;
}

export type FilterStep =
  | { offset: number }
  | { multiply: number }
  | { calibrate: Array<[number, number]> }
  | { clamp: { min?: number; max?: number } }
  | { median: WindowOptions }
  | { average: WindowOptions }
  | { throttle: number }
  | { delta: DeltaOptions; heartbeat?: number };

/** Value name (or `all`) → its steps, in order. */
export type FiltersConfig = Record<string, FilterStep[]>;

const finite = (noun: string) => z.number(expecting(noun)).refine(Number.isFinite, { error: 'is not a finite number' });

const windowField = z
  .strictObject({
    window: z.number(expecting('a whole number of values such as 5')).int({ error: 'is not a whole number' }).min(1).max(1000),
    sendEvery: z.number(expecting('a whole number of values such as 5')).int({ error: 'is not a whole number' }).min(1).max(1000).default(1),
  }, expecting('a mapping with window (and sendEvery)'));

const pointField = z.tuple([finite('a number (the raw value)'), finite('a number (the true value)')], expecting('a pair [raw, true] such as [20, 22.5]'));

const calibrateField = z
  .array(pointField, expecting('a list of [raw, true] pairs such as [[20, 22.5], [80, 79.1]]'))
  .min(2, { error: 'has too few points (at least 2 [raw, true] pairs for a linear fit)' })
  .superRefine((points, ctx) => {
    if (points.length >= 2 && linearFit(points) === null) {
      ctx.addIssue({ code: 'custom', message: 'has all points at the same raw value (a line needs two different raw values)' });
    }
  });

const clampField = z
  .strictObject({ min: finite('a number').optional(), max: finite('a number').optional() }, expecting('a mapping with min and/or max'))
  .superRefine((range, ctx) => {
    if (range.min === undefined && range.max === undefined) ctx.addIssue({ code: 'custom', message: 'needs min, max or both' });
    else if (range.min !== undefined && range.max !== undefined && range.min > range.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: `is below min (${range.min})` });
    }
  });

const DELTA_EXPECTED = 'is not a delta (a number such as 0.2, or a percentage such as "2%")';

const deltaField = z.union([z.number(), z.string()], { error: () => DELTA_EXPECTED }).transform((raw, ctx): DeltaOptions => {
  const match = typeof raw === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(raw) : null;
  const amount = typeof raw === 'number' ? raw : match ? Number(match[1]) : Number.NaN;
  if (!Number.isFinite(amount) || amount < 0) {
    ctx.addIssue({ code: 'custom', message: DELTA_EXPECTED });
    return z.NEVER;
  }
  return { amount, relative: typeof raw === 'string' };
});

const stepObject = z.strictObject(
  {
    offset: finite('a number such as -1.8').optional(),
    multiply: finite('a number such as 1.02').optional(),
    calibrate: calibrateField.optional(),
    clamp: clampField.optional(),
    median: windowField.optional(),
    average: windowField.optional(),
    throttle: duration(1).optional(),
    delta: deltaField.optional(),
    heartbeat: duration(1).optional(),
  },
  expecting(`a filter (a mapping with one of: ${FILTER_NAMES.join(', ')})`),
);

type StepInput = z.output<typeof stepObject>;

function oneFilter(step: StepInput, ctx: z.RefinementCtx): void {
  const names = FILTER_NAMES.filter((name) => step[name] !== undefined);
  // An unknown key is reported already ("did you mean"); saying the step is empty would repeat it.
  const unknownKey = (ctx as unknown as { issues?: Array<{ code?: string }> }).issues?.some((issue) => issue.code === 'unrecognized_keys') ?? false;
  if (names.length === 0 && step.heartbeat === undefined && !unknownKey) {
    ctx.addIssue({ code: 'custom', message: `has no filter key (expected one of: ${FILTER_NAMES.join(', ')})` });
  } else if (names.length > 1) {
    ctx.addIssue({ code: 'custom', message: `has ${names.join(' and ')} in one step (write each as its own list entry, in the order they apply)` });
  }
  if (step.heartbeat !== undefined && step.delta === undefined) {
    ctx.addIssue({ code: 'custom', path: ['heartbeat'], message: 'only goes with delta in the same step ({ delta: 0.2, heartbeat: 5m })' });
  }
}

/** Undefined only for a step already reported (an unknown key and nothing else). */
function toStep(step: StepInput): FilterStep | undefined {
  if (step.delta !== undefined) return step.heartbeat === undefined ? { delta: step.delta } : { delta: step.delta, heartbeat: step.heartbeat };
  for (const name of FILTER_NAMES) {
    const value = step[name];
    if (value !== undefined) return { [name]: value } as FilterStep;
  }
  return undefined;
}

const stepField = stepObject.superRefine(oneFilter, evenWithFieldProblems).transform((step) => toStep(step) ?? z.NEVER);

export function filtersField() {
  return z.record(
    z.string(),
    z.array(stepField, expecting('a list of filters such as [{ offset: -1.8 }]')),
    expecting('a mapping of value name (or all) to a list of filters'),
  );
}

/**
 * Rejects a value name in `filters` that the sensor does not report; `known` is null when the
 * driver cannot say (then every name is accepted: a value it never reports is simply never filtered).
 */
export function checkFilterValueNames(filters: FiltersConfig | undefined, known: readonly string[] | null, ctx: z.RefinementCtx, path: PropertyKey[]): void {
  if (!filters || known === null) return;
  for (const name of Object.keys(filters)) {
    if (name === ALL_VALUES || known.includes(name)) continue;
    ctx.addIssue({ code: 'custom', path: [...path, name], message: `is not a value of this sensor (its values: ${known.join(', ')}; or ${ALL_VALUES} for every value)` });
  }
}
