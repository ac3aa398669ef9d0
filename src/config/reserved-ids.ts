// Ids a sensor or an output cannot have: their state or reading topic `<topicPrefix>/<id>` would be
// one of the device's own topics. `health` is the health message (src/health/), `config` the remote
// configuration's (src/remote/: an output `config` would listen on `<topicPrefix>/config/set`); the outputs'
// check of `status` (output-schema.ts) predates this list.
import type { z } from 'zod';

/** The device's own topics under `<topicPrefix>`, by the id that would collide with them. */
export const RESERVED_IDS: Readonly<Record<string, string>> = {
  health: 'the device health topic (<topicPrefix>/health)',
  config: 'the remote configuration topics (<topicPrefix>/config/set and /config/result)',
};

/** Refuses a reserved id in `sensors:` and `outputs:` (on the raw config: every entry, whatever else is wrong). */
export function checkReservedIds(raw: { sensors?: unknown; outputs?: unknown }, ctx: z.RefinementCtx): void {
  for (const list of ['sensors', 'outputs'] as const) {
    const entries = raw[list];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry, index) => {
      const id = (entry as { id?: unknown } | null)?.id;
      const topic = typeof id === 'string' && Object.hasOwn(RESERVED_IDS, id) ? RESERVED_IDS[id] : undefined;
      if (topic !== undefined) ctx.addIssue({ code: 'custom', path: [list, index, 'id'], message: `is reserved: it is ${topic}; choose another id` });
    });
  }
}
