// What a command for an output may look like, parsed at the edge (pure, strict). On MQTT the
// payload is `ON`, `OFF`, `1`, `0`, or JSON `{"state":1,"for":"30s","ts":1764000000123}`; on the
// page's WebSocket the same JSON with `output` naming the output. Anything else, or anything
// larger than MAX_COMMAND_BYTES, is refused with a reason that never echoes the input.
import type { Level } from '../hardware/gpio/gpio.js';
import { MAX_DURATION_MS, parseDuration } from '../schema/units.js';

/** A command is a few dozen bytes; 256 leaves room for a `ts` and whitespace. */
export const MAX_COMMAND_BYTES = 256;

export interface OutputCommand {
  state: Level;
  /** Pulse: hold `state` this long (ms), then switch to the other level. */
  forMs?: number;
  /** When the sender issued the command (epoch ms), checked against maxCommandAge. */
  ts?: number;
}

export type RefusalReason = 'unknown-output' | 'malformed' | 'oversized' | 'retained' | 'expired' | 'too-old' | 'rate-limited' | 'read-only' | 'line-error';
export const REFUSAL_REASONS: readonly RefusalReason[] = ['unknown-output', 'malformed', 'oversized', 'retained', 'expired', 'too-old', 'rate-limited', 'read-only', 'line-error'];

export type CommandParse = { ok: true; command: OutputCommand } | { ok: false; reason: RefusalReason; detail: string };

const PLAIN: Record<string, Level> = { ON: 1, OFF: 0, '1': 1, '0': 0 };
const BODY_KEYS = new Set(['state', 'for', 'ts']);

function malformed(detail: string): CommandParse {
  return { ok: false, reason: 'malformed', detail };
}

/** An MQTT payload (or its text). */
export function parseCommandPayload(payload: Buffer | string): CommandParse {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > MAX_COMMAND_BYTES) return { ok: false, reason: 'oversized', detail: `payload is ${size} bytes (at most ${MAX_COMMAND_BYTES})` };
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  const plain = PLAIN[text];
  if (plain !== undefined) return { ok: true, command: { state: plain } };
  if (!text.trimStart().startsWith('{')) return malformed('expected ON, OFF, 1, 0 or JSON such as {"state":1,"for":"30s"}');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return malformed('payload is not valid JSON');
  }
  return parseCommandBody(body, BODY_KEYS);
}

/** A JSON command object; `allowed` names the keys it may have (the page adds `output`). */
export function parseCommandBody(body: unknown, allowed: ReadonlySet<string> = BODY_KEYS): CommandParse {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return malformed('expected a JSON object such as {"state":1}');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !allowed.has(key));
  if (unknown !== undefined) return malformed(`unknown key (known: ${[...allowed].join(', ')})`);
  const state = typeof fields.state === 'string' ? PLAIN[fields.state] : fields.state;
  if (state !== 0 && state !== 1) return malformed('state must be 1, 0, "ON" or "OFF"');
  const command: OutputCommand = { state };
  if (fields.for !== undefined) {
    const forMs = parseDuration(fields.for);
    if (forMs === undefined || forMs <= 0 || forMs > MAX_DURATION_MS) return malformed('for must be a duration such as "30s" or a number of ms (more than 0, at most 24d)');
    command.forMs = forMs;
  }
  if (fields.ts !== undefined) {
    if (typeof fields.ts !== 'number' || !Number.isFinite(fields.ts) || fields.ts <= 0) return malformed('ts must be epoch milliseconds');
    command.ts = fields.ts;
  }
  return { ok: true, command };
}
