// The status hub: the agent's latest state in memory, for the status port. It only observes:
// the sampler, publisher and buffer tell it what happened; it never calls back into them.
import { EventEmitter } from 'node:events';
import type { BufferStats } from '../buffer/index.js';
import type { Values } from '../sensors/types.js';
import { History, type HistorySnapshot } from './history.js';
import { hostInfoReader, type ClockStatus, type HostInfo } from './host-info.js';
import type { LinkLimits, RefusalInfo } from './status-types.js';
import { maskCredentialsIn } from '../config/mask-url.js';
import type { OutputStatus } from '../outputs/output-controller.js';
import type { Health, MqttStatus, SensorStatus, StatusReading, StatusSnapshot } from './status-types.js';

export type { SensorStatus, MqttStatus, StatusSnapshot, StatusReading, Health } from './status-types.js';

export interface StatusHubEvents {
  change: [];
  reading: [reading: StatusReading];
}

export interface StatusHubInit {
  device: string;
  version: string;
  mqttUrl: string;
  clientId?: string;
  /** Current buffer figures. Throwing means the buffer is not open (see health()). */
  bufferStats: () => BufferStats;
  now?: () => number;
  /** IP addresses and clock state; defaults to reading this host (cached). */
  hostInfo?: () => HostInfo;
  /** The agent's clock monitor's view, which replaces hostInfo's clock when given. */
  clockStatus?: () => ClockStatus;
  /** The outputs' state and refusals (output-set.ts); none when absent. */
  outputs?: () => { outputs: OutputStatus[]; refusals: Record<string, number> };
}

/** Strips user:pass@, query and fragment: the status port must never show a secret. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}

export class StatusHub extends EventEmitter<StatusHubEvents> {
  readonly device: string;
  readonly version: string;
  readonly startedAt: number;
  private readonly now: () => number;
  private readonly bufferStats: () => BufferStats;
  private readonly hostInfo: () => HostInfo;
  private readonly clockStatus: (() => ClockStatus) | undefined;
  private readonly outputs: StatusHubInit['outputs'];
  private readonly history = new History();
  private readonly sensors = new Map<string, SensorStatus>();
  private readonly mqtt: MqttStatus;
  private everConnected = false;
  /** The last disconnect was an up link dropping: the retry after it follows no failed attempt. */
  private linkDropped = false;
  private lastBufferStats: BufferStats | null = null;

  constructor(init: StatusHubInit) {
    super();
    this.device = init.device;
    this.version = init.version;
    this.now = init.now ?? Date.now;
    this.bufferStats = init.bufferStats;
    this.hostInfo = init.hostInfo ?? hostInfoReader({ now: this.now });
    this.clockStatus = init.clockStatus;
    this.outputs = init.outputs;
    this.startedAt = this.now();
    this.mqtt = {
      url: redactUrl(init.mqttUrl),
      connected: false,
      since: null,
      lastError: null,
      reconnects: 0,
      failedAttempts: 0,
      nextAttemptAt: null,
      inflight: 0,
      published: 0,
      limits: null,
      unsendable: 0,
      refusals: 0,
      refusalsByCode: {},
      lastRefusal: null,
      lastDisconnect: null,
      serverDisconnects: {},
      ...(init.clientId !== undefined ? { clientId: init.clientId } : {}),
      takeover: null,
    };
  }

  registerSensor(id: string, driver: string, units?: Record<string, string>): void {
    const sensor = newSensor(id, driver, this.now());
    if (units !== undefined) sensor.units = { ...units };
    this.sensors.set(id, sensor);
    this.history.forget(id);
    this.emit('change');
  }

  /** `raw`: the sample before the sensor's filters; the reading's own values when absent. */
  sensorReading(id: string, reading: { ts: number; seq?: number; values: Values }, raw: Values = reading.values): void {
    const sensor = this.sensorFor(id);
    sensor.lastReading = { ...reading, values: { ...reading.values } };
    sensor.lastRaw = { ts: reading.ts, values: { ...raw } };
    this.history.record(id, reading.ts, reading.values);
    this.setState(sensor, 'ok');
    this.emit('change');
    if (reading.seq !== undefined) {
      this.emit('reading', { sensor: id, seq: reading.seq, ts: reading.ts, values: sensor.lastReading.values });
    }
  }

  /** `count` samples the filters held back (nothing stored); `raw`, when given, is the latest, shown as the raw value. */
  sensorFiltered(id: string, ts: number, raw: Values | null, count = 1): void {
    const sensor = this.sensorFor(id);
    sensor.readingsFiltered += count;
    if (raw === null) return;
    sensor.lastRaw = { ts, values: { ...raw } };
    this.setState(sensor, 'ok');
    this.emit('change');
  }

  /** A reading a `clamp` filter failed: a failure with its message, counted apart as well. */
  sensorOutOfRange(id: string, ts: number, raw: Values, message: string): void {
    const sensor = this.sensorFor(id);
    sensor.lastRaw = { ts, values: { ...raw } };
    sensor.readingsOutOfRange += 1;
    this.sensorFailed(id, message);
  }

  /** Feeds the WebSocket `readings` subscription for readings of a burst beyond the latest one. */
  readingAccepted(reading: StatusReading): void {
    this.emit('reading', reading);
  }

  /** Counts one tick's appends: how many the buffer accepted and how many it refused. */
  readingsStored(id: string, accepted: number, refused: number): void {
    const sensor = this.sensorFor(id);
    sensor.readingsAccepted += accepted;
    sensor.readingsDropped += refused;
  }

  /** Per-sensor share of mqttPublished(), which follows it and emits the change. */
  sensorPublished(id: string, count: number): void {
    this.sensorFor(id).readingsPublished += count;
  }

  sensorFailed(id: string, error: string): void {
    const sensor = this.sensorFor(id);
    sensor.lastError = error;
    sensor.failures += 1;
    this.setState(sensor, 'failed');
    this.emit('change');
  }

  sensorRecovered(id: string): void {
    this.setState(this.sensorFor(id), 'ok');
    this.emit('change');
  }

  mqttConnected(): void {
    if (this.everConnected) this.mqtt.reconnects += 1;
    this.everConnected = true;
    this.mqtt.connected = true;
    this.mqtt.since = this.now();
    this.mqtt.failedAttempts = 0;
    this.mqtt.nextAttemptAt = null;
    this.emit('change');
  }

  /** The link is down and the next connect attempt starts in `delayMs`. */
  mqttRetrying(delayMs: number): void {
    // A retry follows a failed attempt, or a link that dropped (which was no attempt).
    if (this.linkDropped) this.linkDropped = false;
    else this.mqtt.failedAttempts += 1;
    this.mqtt.nextAttemptAt = this.now() + delayMs;
    this.emit('change');
  }

  /** `error` null means a clean disconnect; the previous lastError is kept then. */
  mqttDisconnected(error: string | null): void {
    this.linkDropped = this.mqtt.connected;
    this.mqtt.connected = false;
    this.mqtt.since = this.now();
    // An error message may quote the URL it failed on: never with its password.
    if (error !== null) this.mqtt.lastError = maskCredentialsIn(error);
    // What was in flight goes back to the buffer and is sent again after the reconnect.
    this.mqtt.inflight = 0;
    this.emit('change');
  }

  /** Another device uses our client id (null: that is over). */
  mqttTakeover(takeover: MqttStatus['takeover']): void {
    this.mqtt.takeover = takeover ?? null;
    this.emit('change');
  }

  mqttPublished(count: number, inflight: number): void {
    this.mqtt.published += count;
    this.mqtt.inflight = inflight;
    this.emit('change');
  }

  mqttLimits(limits: LinkLimits): void {
    this.mqtt.limits = { ...limits };
    this.emit('change');
  }

  /** Readings taken out of the queue as unsendable (too large for the broker). */
  mqttUnsendable(count: number): void {
    this.mqtt.unsendable += count;
    this.emit('change');
  }

  /** A refusal (or, inARow 0, the broker accepting again): a persistent one is the link's error. */
  mqttRefusal(info: RefusalInfo, total: number): void {
    this.mqtt.refusals = total;
    this.mqtt.lastRefusal = { ...info };
    if (info.inARow > 0) {
      const key = hexCode(info.reasonCode);
      this.mqtt.refusalsByCode = { ...this.mqtt.refusalsByCode, [key]: (this.mqtt.refusalsByCode[key] ?? 0) + 1 };
    }
    if (info.persistent) this.mqtt.lastError = `broker keeps refusing publishes: ${hexCode(info.reasonCode)} ${info.reason} on ${info.topic} (${info.inARow} in a row)`;
    this.emit('change');
  }

  mqttServerDisconnect(reasonCode: number, reason: string): void {
    this.mqtt.lastDisconnect = { reasonCode, reason, at: this.now() };
    const key = hexCode(reasonCode);
    this.mqtt.serverDisconnects = { ...this.mqtt.serverDisconnects, [key]: (this.mqtt.serverDisconnects[key] ?? 0) + 1 };
    this.emit('change');
  }

  /** The clock's state changed (synchronized, stepped): a new snapshot for the page. */
  clockChanged(): void {
    this.emit('change');
  }

  /** An output changed (state, command, refusal): a new snapshot for the page. */
  outputsChanged(): void {
    this.emit('change');
  }

  /** The buffer moved; its figures are read again at the next snapshot. */
  bufferChanged(): void {
    this.emit('change');
  }

  snapshot(): StatusSnapshot {
    const time = this.now();
    const buffer = this.readBuffer();
    return {
      device: this.device,
      version: this.version,
      uptimeSeconds: Math.max(0, Math.floor((time - this.startedAt) / 1000)),
      startedAt: this.startedAt,
      time,
      healthy: this.healthOf(buffer).healthy,
      ...this.hostInfo(),
      ...(this.clockStatus ? { clock: this.clockStatus() } : {}),
      mqtt: { ...this.mqtt, refusalsByCode: { ...this.mqtt.refusalsByCode }, serverDisconnects: { ...this.mqtt.serverDisconnects } },
      buffer: buffer.stats,
      sensors: [...this.sensors.values()].map((sensor) => ({
        ...sensor,
        lastReading: sensor.lastReading && { ...sensor.lastReading, values: { ...sensor.lastReading.values } },
        lastRaw: sensor.lastRaw && { ...sensor.lastRaw, values: { ...sensor.lastRaw.values } },
      })),
      ...(this.outputs ? outputsSection(this.outputs()) : { outputs: [], outputRefusals: {} }),
    };
  }

  /** The last 15 minutes of every sensor value, one point per 5 s (for sparklines). */
  historySnapshot(): HistorySnapshot {
    return this.history.snapshot(this.now());
  }

  /**
   * The health rule (what /healthz answers): healthy while
   *   - the process is running (it is, if it answers),
   *   - the buffer is open (bufferStats() does not throw) and not write-failing, and
   *   - not ALL registered sensors are failed (one working sensor is enough; with no sensors
   *     registered, or some still starting, this holds).
   * MQTT being down is NOT unhealthy: the agent buffers offline by design, and a watchdog that
   * restarted it for a dead broker would only lose the readings taken meanwhile (it is a note).
   * A full or read-only disk, and our client id taken over by another device, are unhealthy with
   * restartHelps false: a restart cannot fix them, so the watchdog keeps being fed (README).
   */
  health(): Health {
    return this.healthOf(this.readBuffer());
  }

  isHealthy(): boolean {
    return this.health().healthy;
  }

  private healthOf(buffer: { stats: BufferStats; error: string | null }): Health {
    if (buffer.error !== null) return { healthy: false, reason: `buffer not available: ${buffer.error}`, restartHelps: true };
    const { stats } = buffer;
    if (stats.writeFailing) {
      const diskProblem = stats.capSetBy === 'disk full' || stats.capSetBy === 'read-only';
      return { healthy: false, reason: `buffer is refusing writes: ${stats.problem ?? 'disk full or I/O error'}`, restartHelps: !diskProblem };
    }
    const sensors = [...this.sensors.values()];
    if (sensors.length > 0 && sensors.every((sensor) => sensor.state === 'failed')) {
      return { healthy: false, reason: sensors.length === 1 ? 'the only sensor failed' : `all ${sensors.length} sensors failed`, restartHelps: true };
    }
    const takeover = this.mqtt.takeover;
    if (takeover) return { healthy: false, reason: `mqtt client id "${takeover.clientId}" is in use by another device: ${takeover.advice}`, restartHelps: false };
    if (this.everConnected && !this.mqtt.connected) return { healthy: true, reason: null, notes: [`mqtt broker not connected (${this.mqtt.lastError ?? 'connection closed'}): readings are buffered`] };
    return { healthy: true, reason: null };
  }

  /** Never throws: a snapshot with the last known buffer figures beats a 500 on the status page. */
  private readBuffer(): { stats: BufferStats; error: string | null } {
    try {
      const stats = { ...this.bufferStats() };
      this.lastBufferStats = stats;
      return { stats, error: null };
    } catch (error) {
      const stats = this.lastBufferStats ?? emptyBufferStats();
      return { stats: { ...stats }, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** A sensor the hub has not heard of is registered on the fly: an observer must not throw at its sources. */
  private sensorFor(id: string): SensorStatus {
    let sensor = this.sensors.get(id);
    if (!sensor) {
      sensor = newSensor(id, 'unknown', this.now());
      this.sensors.set(id, sensor);
    }
    return sensor;
  }

  private setState(sensor: SensorStatus, state: SensorStatus['state']): void {
    if (sensor.state === state) return;
    sensor.state = state;
    sensor.since = this.now();
  }
}

function outputsSection(section: { outputs: OutputStatus[]; refusals: Record<string, number> }): Pick<StatusSnapshot, 'outputs' | 'outputRefusals'> {
  return { outputs: section.outputs, outputRefusals: section.refusals };
}

function emptyBufferStats(): BufferStats {
  return { backlog: 0, bytes: 0, lastSeq: 0, epoch: 0, dropped: 0, droppedHigh: 0, highBacklog: 0, oldestTs: null, maxBytes: 0, writeFailing: false, recoveredFrom: null, syncs: 0 };
}

function newSensor(id: string, driver: string, now: number): SensorStatus {
  return { id, driver, state: 'starting', lastReading: null, lastRaw: null, lastError: null, failures: 0, since: now, readingsAccepted: 0, readingsPublished: 0, readingsDropped: 0, readingsFiltered: 0, readingsOutOfRange: 0 };
}

function hexCode(code: number): string {
  return `0x${code.toString(16).padStart(2, '0')}`;
}
