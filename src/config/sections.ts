// The config's sections other than `sensors:`: device, mqtt, store, status, log. Field-level rules
// and static defaults live here; defaults that depend on other keys or on the host (client id,
// device id, store path) are filled in by schema.ts when the whole config is known.
import { z } from 'zod';
import type { ConfigContext } from '../schema/files.js';
import {
  durationField, evenWithFieldProblems, exclusive, expecting, qosField, readableFileField, secretFileField, sizeField, topicField,
} from '../schema/fields.js';
import { idField } from './sensor-schema.js';
import { DURATION_EXPECTED, duration, size } from '../schema/units.js';
import { BROKER_PROFILE_NAMES } from '../mqtt/broker-profiles.js';
import { CLOUD_PROFILE_NAMES } from './cloud-profile.js';
import { parseSize } from '../schema/units.js';
import { parseKeepFree, type KeepFree } from '../schema/keep-free.js';

/**
 * Kept free on the store's file system by default: 5% of its size, on top of what ext4 reserves for
 * root (statfs's f_bavail already leaves that out), so the journal, apt and log rotation still find room.
 */
export const DEFAULT_KEEP_FREE = '5%';

const MQTT_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];
const URL_EXPECTED = 'a URL such as mqtt://broker:1883';
const LISTEN_EXPECTED = '"off" or host:port (examples: 0.0.0.0:8080, [::1]:8080)';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const text = (noun: string) => z.string(expecting(noun)).min(1, { error: `is empty (expected ${noun})` });
const bool = () => z.boolean(expecting('true or false'));

export function deviceSection() {
  return z.strictObject({ id: idField().optional() }, expecting('a mapping of device settings'));
}

const mqttUrl = z.string(expecting(URL_EXPECTED)).superRefine((url, ctx) => {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    const port = /^[a-z]+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/]*):(\d+)/i.exec(url)?.[1];
    ctx.addIssue({ code: 'custom', message: port !== undefined && Number(port) > 65535 ? `has port ${port}, out of range (1 to 65535)` : `is not ${URL_EXPECTED}` });
    return;
  }
  if (!MQTT_SCHEMES.includes(protocol)) {
    ctx.addIssue({ code: 'custom', message: `has the scheme ${protocol.slice(0, -1)} (expected mqtt, mqtts, ws or wss)` });
  }
});

function tlsSection(context: ConfigContext) {
  const file = readableFileField(context);
  return z
    .strictObject(
      { ca: file.optional(), cert: file.optional(), key: file.optional(), rejectUnauthorized: bool().default(true) },
      expecting('a mapping of TLS settings (ca, cert, key, rejectUnauthorized)'),
    )
    .superRefine((tls, ctx) => {
      // A client certificate is useless without its private key, and the reverse.
      if (tls.cert !== undefined && tls.key === undefined) {
        ctx.addIssue({ code: 'custom', path: ['key'], message: 'missing (mqtt.tls.cert needs its private key file)' });
      }
      if (tls.key !== undefined && tls.cert === undefined) {
        ctx.addIssue({ code: 'custom', path: ['cert'], message: 'missing (mqtt.tls.key needs its certificate file)' });
      }
    }, evenWithFieldProblems);
}

function reconnectSection() {
  return z
    .strictObject(
      { min: durationField(100, '1s'), max: durationField(100, '60s') },
      expecting('a mapping with min and max durations'),
    )
    .superRefine((backoff, ctx) => {
      if (backoff.min > backoff.max) {
        ctx.addIssue({ code: 'custom', path: ['min'], message: `is longer than mqtt.reconnect.max (${backoff.max}ms)` });
      }
    });
}

const RATE_EXPECTED = 'is not a rate (examples: 200/s, 6000/min, or a number per second)';
const RATE_UNITS_S: Record<string, number> = { s: 1, min: 60, h: 3600 };

/** mqtt.drainRate: "200/s", "6000/min", "50000/h" or a number per second; parsed to readings per second. */
const rateField = z.union([z.string(), z.number()], { error: () => RATE_EXPECTED }).transform((raw, ctx): number => {
  const match = typeof raw === 'number' ? [String(raw), String(raw), 's'] : /^\s*(\d+(?:\.\d+)?)\s*\/\s*(s|min|h)\s*$/.exec(raw);
  const perSecond = match ? Number(match[1]) / (RATE_UNITS_S[match[2] ?? 's'] ?? 1) : NaN;
  if (!Number.isFinite(perSecond) || perSecond <= 0) {
    ctx.addIssue({ code: 'custom', message: RATE_EXPECTED });
    return z.NEVER;
  }
  return perSecond;
});

const HEALTH_INTERVAL_EXPECTED = 'is not a duration or off (examples: 60s, 5m, off; 0 is off)';

/** mqtt.healthInterval: the health message's period in ms ("60s"); `off` or 0 turns the message off (0). */
const healthIntervalField = z
  .union([z.string(), z.number()], { error: () => HEALTH_INTERVAL_EXPECTED })
  .transform((raw, ctx): number => {
    if (raw === 'off' || raw === 0 || raw === '0') return 0;
    const parsed = duration(1000).safeParse(raw);
    if (parsed.success) return parsed.data;
    const message = parsed.error.issues[0]?.message;
    ctx.addIssue({ code: 'custom', message: message === undefined || message === DURATION_EXPECTED ? HEALTH_INTERVAL_EXPECTED : message });
    return z.NEVER;
  })
  .prefault('60s');

/** mqtt.batch: several readings of a sensor per message (off when absent). */
function batchSection() {
  return z.strictObject(
    {
      maxReadings: z.number(expecting('a whole number')).int().min(1).max(1000).default(50),
      maxDelay: durationField(10, '2s'),
    },
    expecting('a mapping with maxReadings and maxDelay'),
  );
}

export function mqttSection(context: ConfigContext) {
  return z
    .strictObject(
      {
        url: mqttUrl.default('mqtt://127.0.0.1:1883'),
        clientId: text('a client id').optional(),
        username: text('a user name').optional(),
        password: z.string(expecting('a password')).optional(),
        passwordFile: secretFileField(context).optional(),
        tls: tlsSection(context).prefault({}),
        protocolVersion: z.literal([4, 5]).default(5),
        keepalive: durationField(1000, '30s'),
        topicPrefix: topicField.default('sensors/{deviceId}'),
        qos: qosField.default(1),
        retain: bool().default(false),
        // Absent: 64 on MQTT 5 (within the broker's Receive Maximum), 20 on 3.1.1 (broker-limits.ts).
        maxInflight: z.number(expecting('a whole number')).int().min(1).max(65535).optional(),
        // Absent: the broker's Maximum Packet Size on MQTT 5, 64 KiB on 3.1.1.
        maxPacketSize: z.union([z.string(), z.number()], { error: () => 'is not a size (examples: 64KiB, 1MB, or a number of bytes)' }).pipe(size(128)).optional(),
        brokerProfile: z.enum(BROKER_PROFILE_NAMES, { error: () => `is not a known broker (expected one of ${BROKER_PROFILE_NAMES.join(', ')})` }).optional(),
        // The cloud's limits applied to the whole config once it is resolved (cloud-profile.ts).
        profile: z.enum(CLOUD_PROFILE_NAMES, { error: () => `is not a known cloud broker (expected one of ${CLOUD_PROFILE_NAMES.join(', ')})` }).optional(),
        reconnect: reconnectSection().prefault({}),
        batch: batchSection().optional(),
        drainRate: rateField.optional(),
        healthInterval: healthIntervalField,
      },
      expecting('a mapping of MQTT settings'),
    )
    .superRefine(exclusive('passwordFile', 'password', 'mqtt'), evenWithFieldProblems);
}

const KEEP_FREE_EXPECTED = 'is not a size or a percentage of the file system (examples: 5%, 200MB, 0)';

/** store.keepFree: "5%" of the file system's size, or a size ("200MB", a number of bytes). */
const keepFreeField = z
  .union([z.string(), z.number()], { error: () => KEEP_FREE_EXPECTED })
  .transform((raw, ctx): KeepFree => {
    const keepFree = parseKeepFree(raw, parseSize);
    if (keepFree === undefined) {
      ctx.addIssue({ code: 'custom', message: KEEP_FREE_EXPECTED });
      return z.NEVER;
    }
    return keepFree;
  })
  .prefault(DEFAULT_KEEP_FREE);

export function storeSection() {
  return z.strictObject(
    {
      path: text('a folder path').optional(),
      maxBytes: sizeField(64_000, '256MB'),
      keepFree: keepFreeField,
      maxReadings: z.number(expecting('a whole number')).int().min(1).optional(),
      overflow: z.enum(['drop-oldest', 'drop-newest', 'downsample']).default('drop-oldest'),
      commitInterval: durationField(10, '5s'),
    },
    expecting('a mapping of store settings'),
  );
}

/**
 * Where the status server listens, kept as written ("off", "host:port", "[::1]:8080", ":8080" for
 * all IPv4 interfaces): the status part parses it into a socket address; here it is only checked.
 */
const listenField = z.string(expecting(LISTEN_EXPECTED)).superRefine((listen, ctx) => {
  if (listen === 'off') return;
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(listen);
  if (!match) ctx.addIssue({ code: 'custom', message: `is not ${LISTEN_EXPECTED}` });
  else if (Number(match[3]) > 65535) ctx.addIssue({ code: 'custom', message: `has port ${match[3]}, out of range (0 to 65535; 0 picks a free port)` });
});

export function statusSection(context: ConfigContext) {
  return z
    .strictObject(
      {
        listen: listenField.prefault('0.0.0.0:8080'),
        token: text('a token').optional(),
        tokenFile: secretFileField(context).optional(),
        // Each WebSocket client costs a socket and, when it stops reading, up to its send limit of
        // memory before it is cut: the cap bounds both. More clients get HTTP 503.
        maxClients: z.number(expecting('a whole number')).int().min(1).max(10_000).default(16),
      },
      expecting('a mapping of status page settings'),
    )
    .superRefine(exclusive('tokenFile', 'token', 'status'), evenWithFieldProblems);
}

export function logSection() {
  return z.strictObject({ level: z.enum(LOG_LEVELS).default('info') }, expecting('a mapping of log settings'));
}
