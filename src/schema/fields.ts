// Field types shared by the config sections: durations and sizes with defaults, MQTT topics, QoS,
// files the config names, and the wording of "what was expected" for each. Messages are
// predicates that follow the bad value (`"5 min" is not a duration ...`); see config/issues.ts.
// A leaf folder (imports only zod and node): drivers, hardware and outputs use these without
// importing src/config, which imports them.
import { z } from 'zod';
import { DURATION_EXPECTED, SIZE_EXPECTED, duration, size } from './units.js';
import { readNamedFile, type ConfigContext } from './files.js';

/**
 * Error param for a wrong type: `missing (expected <noun>)` when absent, `is not <noun>` otherwise.
 * Other issues (too small, unknown keys) fall through to the wording in issues.ts.
 */
export function expecting(noun: string) {
  return {
    error: (issue: { code?: string; input?: unknown }): string | undefined => {
      if (issue.code !== 'invalid_type') return undefined;
      return issue.input === undefined ? `missing (expected ${noun})` : `is not ${noun}`;
    },
  };
}

/** Runs a refinement even when a field inside failed, so every problem is reported in one pass. */
export const evenWithFieldProblems = {
  when: (payload: { value: unknown }): boolean => typeof payload.value === 'object' && payload.value !== null,
};

/** A duration in ms ("10s", "500ms", or a number of ms), at least `minMs`, `fallback` when absent. */
export function durationField(minMs: number, fallback: string) {
  return z
    .union([z.string(), z.number()], { error: () => DURATION_EXPECTED })
    .pipe(duration(minMs))
    .prefault(fallback);
}

/** A size in bytes ("256MB", "64KiB", or a number of bytes), at least `minBytes`, `fallback` when absent. */
export function sizeField(minBytes: number, fallback: string) {
  return z
    .union([z.string(), z.number()], { error: () => SIZE_EXPECTED })
    .pipe(size(minBytes))
    .prefault(fallback);
}

export const qosField = z.literal([0, 1, 2]);

/** An MQTT topic we publish to: no wildcards, no empty ends (`sensors/` would publish to `sensors//x`). */
export const topicField = z.string(expecting('an MQTT topic such as sensors/greenhouse')).superRefine((topic, ctx) => {
  if (topic === '') ctx.addIssue({ code: 'custom', message: 'is empty (expected an MQTT topic)' });
  else if (/[+#]/.test(topic)) ctx.addIssue({ code: 'custom', message: 'must not contain the MQTT wildcards + or #' });
  else if (topic.startsWith('/') || topic.endsWith('/')) {
    ctx.addIssue({ code: 'custom', message: "must not start or end with '/'" });
  }
});

function namedFile(context: ConfigContext) {
  return z
    .string(expecting('a file path'))
    .min(1, { error: 'is empty (expected a file path)' })
    .transform((raw, ctx) => {
      const file = readNamedFile(raw, context);
      if (!file.ok) {
        ctx.addIssue({ code: 'custom', message: file.problem });
        return z.NEVER;
      }
      return file;
    });
}

/** A file that must exist and be readable (TLS ca/cert/key); resolves to its absolute path. */
export function readableFileField(context: ConfigContext) {
  return namedFile(context).transform((file) => file.path);
}

/** A file holding a secret (passwordFile, tokenFile); resolves to its path and its text, trailing newlines trimmed. */
export function secretFileField(context: ConfigContext) {
  return namedFile(context).transform((file, ctx) => {
    const secret = file.text.replace(/[\r\n]+$/, '');
    if (secret === '') {
      ctx.addIssue({ code: 'custom', message: `is empty (${file.path})` });
      return z.NEVER;
    }
    return { path: file.path, secret };
  });
}

/** Reports `key` when it is set together with `otherKey` (password and passwordFile, token and tokenFile). */
export function exclusive(key: string, otherKey: string, section: string) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    if (value[key] !== undefined && value[otherKey] !== undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: `cannot be used together with ${section}.${otherKey} (choose one)` });
    }
  };
}
