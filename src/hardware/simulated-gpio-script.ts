// The `simulate.gpio.<pin>` script in the config: how a simulated line's level behaves.
import { z } from 'zod';
import { duration } from '../config/units.js';

export const simulatedGpioScript = z.strictObject({
  /** Level at start. */
  level: z.union([z.literal(0), z.literal(1)]).default(0),
  /** Flip the level this often (a door opening and closing, a pulse meter's slow pulses). */
  toggle: duration(1).optional(),
});

export type SimulatedGpioScript = z.output<typeof simulatedGpioScript>;
