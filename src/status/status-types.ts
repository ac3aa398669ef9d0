// The shapes the status port shows: /status.json, the WebSocket messages and /healthz.
// Field names are part of the contract (design.md): extend them, never rename them.
import type { BufferStats } from '../buffer/types.js';
import type { Values } from '../sensors/types.js';

export interface SensorStatus {
  id: string;
  driver: string;
  state: 'ok' | 'failed' | 'starting';
  lastReading: { ts: number; seq?: number; values: Values } | null;
  /** The most recent failure message; kept after recovery so a technician sees what happened. */
  lastError: string | null;
  /** Failed reads since start (not reset on recovery). */
  failures: number;
  /** Epoch ms of the last state change. */
  since: number;
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
  inflight: number;
  /** Readings published since start. */
  published: number;
}

export interface StatusSnapshot {
  device: string;
  version: string;
  uptimeSeconds: number;
  startedAt: number;
  time: number;
  healthy: boolean;
  mqtt: MqttStatus;
  buffer: BufferStats;
  sensors: SensorStatus[];
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
}
