// The shapes the status port shows: /status.json, the WebSocket messages and /healthz.
// Field names are part of the contract (design.md): extend them, never rename them.
import type { BufferStats } from '../buffer/index.js';
import type { Values } from '../sensors/types.js';
import type { ClockStatus } from './host-info.js';
import type { OutputStatus } from '../outputs/output-controller.js';
import type { LinkLimits } from '../mqtt/broker-limits.js';
import type { RefusalInfo } from '../mqtt/refusals.js';

export type { LinkLimits, RefusalInfo };

export interface SensorStatus {
  id: string;
  driver: string;
  /** The unit of each value its driver declares (src/sensors' definitions); absent when only the device knows its values (iio, hwmon without channels). */
  units?: Record<string, string>;
  state: 'ok' | 'failed' | 'starting';
  /** The last reading stored: the reported values, after the sensor's filters. */
  lastReading: { ts: number; seq?: number; values: Values } | null;
  /** The last sample as the driver read it, before the filters (equal to lastReading's values without filters). */
  lastRaw: { ts: number; values: Values } | null;
  /** The most recent failure message; kept after recovery so a technician sees what happened. */
  lastError: string | null;
  /** Failed reads since start (not reset on recovery). */
  failures: number;
  /** Epoch ms of the last state change. */
  since: number;
  /** Readings the buffer accepted since start. */
  readingsAccepted: number;
  /** Readings the broker acknowledged (QoS 0: written) since start. */
  readingsPublished: number;
  /**
   * Readings the buffer refused at append since start (drop-newest overflow, write failure).
   * Readings evicted later by drop-oldest are counted device-wide only, in buffer.dropped.
   */
  readingsDropped: number;
  /** Samples the filters held back (no value passed: nothing stored, no seq) since start. */
  readingsFiltered: number;
  /** Readings failed by a `clamp` filter since start (also counted in failures, the message in lastError). */
  readingsOutOfRange: number;
}

export interface MqttStatus {
  /** Broker URL without credentials, query or fragment. */
  url: string;
  connected: boolean;
  /** Epoch ms of the last connect or disconnect; null before the first of either. */
  since: number | null;
  /** The most recent connection error; kept after a reconnect. */
  lastError: string | null;
  /** Connects after the first one. */
  reconnects: number;
  /** Connect attempts that failed since the link was last up (0 while connected). */
  failedAttempts: number;
  /** Epoch ms of the next connect attempt while the link is down; null while connected or trying. */
  nextAttemptAt: number | null;
  inflight: number;
  /** Readings published since start. */
  published: number;
  /** The limits in force on the current (or last) connection; null before the first. */
  limits: LinkLimits | null;
  /** Readings taken out of the queue since start: larger than any packet the broker takes. */
  unsendable: number;
  /** Publishes the broker refused (reason code >= 0x80) since start. */
  refusals: number;
  /** The same, by reason code ("0x87"). */
  refusalsByCode: Record<string, number>;
  /** The last refusal; `persistent` while the broker keeps refusing. */
  lastRefusal: RefusalInfo | null;
  /** The broker's last DISCONNECT (MQTT 5): reason code and words; null when it never sent one. */
  lastDisconnect: { reasonCode: number; reason: string; at: number } | null;
  /** Server DISCONNECTs since start, by reason code ("0x95"). */
  serverDisconnects: Record<string, number>;
  /** The client id in use (mqtt.clientId with {hardwareId} filled in). */
  clientId?: string;
  /** Set while another device seems to use the same client id (takeover-guard.ts); null otherwise. */
  takeover?: { clientId: string; since: number; reason: string; advice: string } | null;
}

export interface StatusSnapshot {
  device: string;
  version: string;
  uptimeSeconds: number;
  startedAt: number;
  time: number;
  healthy: boolean;
  /** Non-internal IPv4/IPv6 addresses with their interface, IPv4 first. */
  addresses: string[];
  clock: ClockStatus;
  mqtt: MqttStatus;
  buffer: BufferStats;
  sensors: SensorStatus[];
  /** Each output's confirmed state, last command (source, when) and refusals (issue 18). */
  outputs: OutputStatus[];
  /** Output commands refused since start, by reason (unknown outputs included). */
  outputRefusals: Record<string, number>;
}

/** One accepted reading, as the WebSocket `readings` subscription sends it. */
export interface StatusReading {
  sensor: string;
  seq: number;
  ts: number;
  values: Values;
}

export interface Health {
  healthy: boolean;
  /** Why not healthy; null when healthy. Never contains secrets. */
  reason: string | null;
  /**
   * Whether restarting the agent could help (the systemd watchdog starves only then): false for a
   * full or read-only disk and a client id another device takes over; true for a buffer that is not
   * open and for all sensors failed. Absent when healthy.
   */
  restartHelps?: boolean;
  /** What is worth knowing while healthy (the broker is away: readings are buffered). */
  notes?: string[];
}
