// The `simulate.gpio.<pin>` script in the config: how a simulated line's level behaves.
//   simulate:
//     gpio:
//       17: { level: 1, toggle: 30s }                     # a door contact opening and closing
//       27: { pulses: { every: 1s, width: 50ms } }        # a pulse meter (S0 output, reed switch)
// Levels are what the wire carries; a line opened with activeLow reads them inverted.
import { z } from 'zod';
import { duration } from '../../schema/units.js';

export const DEFAULT_PULSE_WIDTH_MS = 50;

const pulses = z
  .strictObject({
    /** A pulse starts this often. */
    every: duration(2),
    /** How long the level stays flipped in each pulse; at most half of `every`. */
    width: duration(1).optional(),
  })
  .transform((raw, ctx) => {
    const widthMs = raw.width ?? Math.min(DEFAULT_PULSE_WIDTH_MS, Math.floor(raw.every / 2));
    if (widthMs * 2 > raw.every) {
      ctx.addIssue({ code: 'custom', path: ['width'], message: `is too long (at most half of every: ${Math.floor(raw.every / 2)}ms)` });
      return z.NEVER;
    }
    return { everyMs: raw.every, widthMs };
  });

export const simulatedGpioScript = z.strictObject({
  /** Level at start (and between pulses). */
  level: z.union([z.literal(0), z.literal(1)]).default(0),
  /** Flip the level this often (a door opening and closing). */
  toggle: duration(1).optional(),
  /** Short pulses away from the current level (a counter's input). */
  pulses: pulses.optional(),
});

export type SimulatedGpioScript = z.output<typeof simulatedGpioScript>;
