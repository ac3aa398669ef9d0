// The health message on `<topicPrefix>/health` (README, "Health telemetry"): its fields, their
// JSON text, and reading one back (the fleet view). The field names are a contract: extend them,
// never rename them; `format` goes up only if a field's meaning changes. Problem fields that are
// rare (a refusing broker, a taken-over client id, a store that cannot write) are present only
// while they hold, which keeps the common message small.
import { z } from 'zod';

export const HEALTH_FORMAT = 1;

export interface HealthMessage {
  format: typeof HEALTH_FORMAT;
  device: string;
  version: string;
  /** The device's time when the message was made, epoch ms. */
  ts: number;
  /** Seconds since the agent started. */
  uptime: number;
  /** mqtt.healthInterval in seconds: the next message is due by then. */
  interval: number;
  /** The /healthz rule (status-hub.ts). */
  healthy: boolean;
  /** Why not healthy; present only when not. */
  reason?: string;
  link: {
    /** Epoch ms the current connection came up. */
    since: number | null;
    /** Connects after the first one, since start. */
    reconnects: number;
    /** The most recent connection error, kept after reconnecting. */
    lastError: string | null;
    /** Readings taken out of the queue as too large for the broker since start; present when > 0. */
    unsendable?: number;
    /** Present while the broker keeps refusing publishes. */
    refusing?: { reason: string; topic: string; inARow: number };
    /** Present while another device seems to use this client id. */
    takeover?: { clientId: string; reason: string; advice: string };
  };
  buffer: {
    backlog: number;
    /** Age in seconds of the oldest waiting reading; null when nothing waits. */
    oldestAge: number | null;
    /** Readings dropped by the overflow policy, ever. */
    dropped: number;
    /** Bytes the buffer may hold now (store.maxBytes, or less when store.keepFree says so). */
    cap: number;
    /** Readings refused since start because the store could not write (disk full, read-only). */
    writeFailures: number;
    writeFailing: boolean;
    /** Present while new readings cannot be stored: one line saying why. */
    problem?: string;
    /** Present when a corrupt store was moved aside at start: where it went. */
    recoveredFrom?: string;
  };
  sensors: {
    total: number;
    ok: number;
    /** Failed sensor id → its error code (SENSOR_NOT_FOUND), or the start of its message when it has none. */
    failed: Record<string, string>;
  };
  /** Output id → its confirmed level (null: not known). */
  outputs: Record<string, 0 | 1 | null>;
  clock: { synchronized: boolean | null; plausible: boolean };
  /** Free space of the store's file system, MB (10^6 bytes); null where unknown. */
  diskFreeMB: number | null;
  /** MemAvailable, MB; null where unknown. */
  memoryAvailableMB: number | null;
  /** CPU temperature, °C; null where the host has no thermal zone. */
  cpuTemperature: number | null;
  epoch: number;
  lastSeq: number;
}

/** The message's JSON text: compact, keys in the order above. */
export function encodeHealth(message: HealthMessage): string {
  return JSON.stringify(message);
}

const count = z.number().int().min(0);
const healthSchema = z.object({
  format: z.literal(HEALTH_FORMAT),
  device: z.string(),
  version: z.string(),
  ts: z.number(),
  uptime: count,
  interval: count,
  healthy: z.boolean(),
  reason: z.string().optional(),
  link: z.object({
    since: z.number().nullable(),
    reconnects: count,
    lastError: z.string().nullable(),
    unsendable: count.optional(),
    refusing: z.object({ reason: z.string(), topic: z.string(), inARow: count }).optional(),
    takeover: z.object({ clientId: z.string(), reason: z.string(), advice: z.string() }).optional(),
  }),
  buffer: z.object({
    backlog: count,
    oldestAge: count.nullable(),
    dropped: count,
    cap: count,
    writeFailures: count,
    writeFailing: z.boolean(),
    problem: z.string().optional(),
    recoveredFrom: z.string().optional(),
  }),
  sensors: z.object({ total: count, ok: count, failed: z.record(z.string(), z.string()) }),
  outputs: z.record(z.string(), z.union([z.literal(0), z.literal(1), z.null()])),
  clock: z.object({ synchronized: z.boolean().nullable(), plausible: z.boolean() }),
  diskFreeMB: z.number().nullable(),
  memoryAvailableMB: z.number().nullable(),
  cpuTemperature: z.number().nullable(),
  epoch: count,
  lastSeq: count,
});

/** A health message read off the broker; a one-line reason when it is not one (a newer format, garbage). */
export function decodeHealth(text: string): { message: HealthMessage } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'not JSON' };
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (typeof format === 'number' && format !== HEALTH_FORMAT) return { error: `health format ${format}, this version reads ${HEALTH_FORMAT}` };
  const parsed = healthSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { error: `not a health message (${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'})` };
  }
  return { message: parsed.data as HealthMessage };
}
