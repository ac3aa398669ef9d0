// Durations ("500ms", "10s", "5m", "1h", a bare number = ms) and sizes ("256MB", "64KiB", a bare
// number = bytes) as they appear in the config file. Parsed values are plain numbers: ms and bytes.
import { z } from 'zod';

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3,
  k: 1024, m: 1024 ** 2, g: 1024 ** 3,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};

/** Milliseconds for "10s", "1.5m", "500ms", 250 or "250"; undefined when it is not a duration. */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(input);
  if (!match) return undefined;
  const unit = DURATION_UNITS_MS[match[2] ?? 'ms'] ?? 1;
  return Math.round(Number(match[1]) * unit);
}

/** Bytes for "256MB", "64KiB", "1G", 1048576; undefined when it is not a size. */
export function parseSize(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isInteger(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input);
  if (!match) return undefined;
  const unit = SIZE_UNITS[(match[2] ?? '').toLowerCase() || 'b'];
  if (unit === undefined) return undefined;
  return Math.round(Number(match[1]) * unit);
}

export const DURATION_EXPECTED = 'is not a duration (examples: 500ms, 5s, 1m)';
export const SIZE_EXPECTED = 'is not a size (examples: 64KB, 256MB, 1GB)';

/**
 * Node's timers take at most 2^31-1 ms (about 24.8 days); a longer delay fires after 1 ms, so a
 * huge interval would sample as fast as it can instead of almost never.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** A duration in the config; `min` (ms) rejects values that would make no sense (a 0 ms interval). */
export function duration(minMs = 0) {
  return z.union([z.string(), z.number()]).transform((raw, ctx): number => {
    const ms = parseDuration(raw);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: DURATION_EXPECTED });
      return z.NEVER;
    }
    if (ms < minMs) {
      ctx.addIssue({ code: 'custom', message: `is too short (at least ${minMs}ms)` });
      return z.NEVER;
    }
    if (ms > MAX_DURATION_MS) {
      ctx.addIssue({ code: 'custom', message: 'is too long (at most 24d)' });
      return z.NEVER;
    }
    return ms;
  });
}

export function size(minBytes = 0) {
  return z.union([z.string(), z.number()]).transform((raw, ctx): number => {
    const bytes = parseSize(raw);
    if (bytes === undefined) {
      ctx.addIssue({ code: 'custom', message: SIZE_EXPECTED });
      return z.NEVER;
    }
    if (bytes < minBytes) {
      ctx.addIssue({ code: 'custom', message: `is too small (at least ${minBytes} bytes)` });
      return z.NEVER;
    }
    return bytes;
  });
}
