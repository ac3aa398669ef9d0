// One sensor's filter chains (config `filters:`), applied between the driver and the buffer. Each
// value runs its own list, then the `all` list; the result is rounded to the value's decimals last.
// A reading passes when any value passed its chain; a value that did not pass this time carries the
// value it reported last (left out until it first passes), so every payload holds the full set.
// A value outside a `clamp` range fails the whole reading (OutOfRangeError). The stateless steps
// before a value's first stateful one (window, throttle, delta) run for every value first, so a
// clamp there fails the reading before any window or delta has counted the sample.
import type { FilterStep, FiltersConfig } from '../config/filter-schema.js';
import { ALL_VALUES } from '../config/filter-schema.js';
import type { ValueDefinitions, Values } from '../sensors/types.js';
import { calibrateStage, clampStage, multiplyStage, offsetStage } from './arithmetic.js';
import { deltaStage, throttleStage } from './rate.js';
import { averageStage, medianStage } from './window.js';
import type { Stage } from './stage.js';
import { roundToDecimals } from '../sensors/rounding.js';

interface Chain {
  /** The stateless steps up to the first stateful one. */
  head: Stage[];
  tail: Stage[];
  decimals: number | undefined;
}

function stageOf(valueName: string, step: FilterStep): { stage: Stage; stateful: boolean } {
  if ('offset' in step) return { stage: offsetStage(step.offset), stateful: false };
  if ('multiply' in step) return { stage: multiplyStage(step.multiply), stateful: false };
  if ('calibrate' in step) return { stage: calibrateStage(step.calibrate), stateful: false };
  if ('clamp' in step) return { stage: clampStage(valueName, step.clamp), stateful: false };
  if ('median' in step) return { stage: medianStage(step.median), stateful: true };
  if ('average' in step) return { stage: averageStage(step.average), stateful: true };
  if ('throttle' in step) return { stage: throttleStage(step.throttle), stateful: true };
  return { stage: deltaStage(step.delta, step.heartbeat), stateful: true };
}

/** Decimal places of a number as the driver printed it (21.53 → 2), for values without a definition. */
export function decimalsOf(value: number): number {
  const text = String(value);
  const exponent = /e-(\d+)$/.exec(text);
  if (exponent) return Math.min(12, Number(exponent[1]) + (text.split('e')[0]!.split('.')[1]?.length ?? 0));
  return text.split('.')[1]?.length ?? 0;
}

/** The same rule as the drivers' (src/sensors/rounding.ts). */
export const roundTo = roundToDecimals;

export class SensorFilters {
  private readonly chains = new Map<string, Chain | null>();
  private readonly reported = new Map<string, number>();

  constructor(
    private readonly filters: FiltersConfig,
    private readonly definitions: ValueDefinitions = {},
  ) {}

  /** The values to store, or null when none passed. Throws OutOfRangeError for a clamp. */
  apply(raw: Values, atMs: number): Values | null {
    const names = Object.keys(raw);
    const heads: number[] = [];
    for (const name of names) {
      let value = raw[name]!;
      for (const stage of this.chainOf(name)?.head ?? []) value = stage.push(value, atMs)!;
      heads.push(value);
    }
    const out: Values = {};
    let passed = false;
    names.forEach((name, i) => {
      const chain = this.chainOf(name);
      let value: number | undefined = heads[i]!;
      for (const stage of chain?.tail ?? []) {
        value = stage.push(value, atMs);
        if (value === undefined) break;
      }
      if (value !== undefined) {
        passed = true;
        if (chain) value = roundTo(value, chain.decimals ?? decimalsOf(raw[name]!));
        this.reported.set(name, value);
        out[name] = value;
        return;
      }
      const last = this.reported.get(name);
      if (last !== undefined) out[name] = last;
    });
    return passed ? out : null;
  }

  /** Null for a value no list names: it passes unchanged. Built on first sight (`all` covers names seen later). */
  private chainOf(name: string): Chain | null {
    let chain = this.chains.get(name);
    if (chain !== undefined) return chain;
    const steps = [...(this.filters[name] ?? []), ...(name === ALL_VALUES ? [] : (this.filters[ALL_VALUES] ?? []))];
    chain = null;
    if (steps.length > 0) {
      chain = { head: [], tail: [], decimals: this.definitions[name]?.decimals };
      for (const step of steps) {
        const { stage, stateful } = stageOf(name, step);
        if (stateful || chain.tail.length > 0) chain.tail.push(stage);
        else chain.head.push(stage);
      }
    }
    this.chains.set(name, chain);
    return chain;
  }
}
