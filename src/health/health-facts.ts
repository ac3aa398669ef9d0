// Collects a health message's facts from what the agent already keeps: the status hub's snapshot
// and health rule (link, buffer, sensors, outputs, clock), and the host's CPU temperature, free
// memory and disk read by the `system` driver's own code (skipped where the host lacks them). The
// host is read asynchronously (refreshHost) and cached, so collect() is synchronous and cheap
// enough to run on every state change the schedule looks at.
import { codeOfMessage } from '../errors/catalogue.js';
import { createSystem, systemOptions, type SystemOptions } from '../sensors/system.js';
import type { Sensor } from '../sensors/types.js';
import type { Health, StatusSnapshot } from '../status/status-types.js';
import { HEALTH_FORMAT, type HealthMessage } from './health-message.js';

/** The start of an uncoded error message kept in the message (its id and code are what matter). */
const MESSAGE_CHARS = 60;

export interface HealthSources {
  snapshot(): StatusSnapshot;
  health(): Health;
  intervalMs: number;
  storePath: string;
  /** A configured system sensor's options (its sysfs/proc roots), else the host's defaults. */
  system?: Partial<SystemOptions> | undefined;
}

interface HostFacts {
  diskFreeMB: number | null;
  memoryAvailableMB: number | null;
  cpuTemperature: number | null;
}

export class HealthFacts {
  private readonly host: Sensor;
  private hostFacts: HostFacts = { diskFreeMB: null, memoryAvailableMB: null, cpuTemperature: null };

  constructor(private readonly sources: HealthSources) {
    this.host = createSystem(systemOptions.parse(sources.system ?? {}), sources.storePath);
  }

  /** Reads the host's figures again (before each publish). Never throws: a value it cannot read is null. */
  async refreshHost(): Promise<void> {
    const values = await this.host.read().catch(() => ({}) as Record<string, number>);
    this.hostFacts = { diskFreeMB: values.diskFreeMB ?? null, memoryAvailableMB: values.memoryAvailableMB ?? null, cpuTemperature: values.temperature ?? null };
  }

  collect(): HealthMessage {
    const status = this.sources.snapshot();
    const health = this.sources.health();
    const { mqtt, buffer } = status;
    const failed: Record<string, string> = {};
    for (const sensor of status.sensors) if (sensor.state === 'failed') failed[sensor.id] = errorCode(sensor.lastError);
    const outputs: HealthMessage['outputs'] = {};
    for (const output of status.outputs) outputs[output.id] = output.state;
    const refusal = mqtt.lastRefusal;
    return {
      format: HEALTH_FORMAT,
      device: status.device,
      version: status.version,
      ts: status.time,
      uptime: status.uptimeSeconds,
      interval: Math.round(this.sources.intervalMs / 1000),
      healthy: health.healthy,
      ...(health.reason !== null ? { reason: health.reason } : {}),
      link: {
        since: mqtt.connected ? mqtt.since : null,
        reconnects: mqtt.reconnects,
        lastError: mqtt.lastError,
        ...(mqtt.unsendable > 0 ? { unsendable: mqtt.unsendable } : {}),
        ...(refusal?.persistent ? { refusing: { reason: refusal.reason, topic: refusal.topic, inARow: refusal.inARow } } : {}),
        ...(mqtt.takeover ? { takeover: { clientId: mqtt.takeover.clientId, reason: mqtt.takeover.reason, advice: mqtt.takeover.advice } } : {}),
      },
      buffer: {
        backlog: buffer.backlog,
        oldestAge: buffer.oldestTs === null ? null : Math.max(0, Math.round((status.time - buffer.oldestTs) / 1000)),
        dropped: buffer.dropped,
        cap: buffer.effectiveMaxBytes ?? buffer.maxBytes,
        writeFailures: buffer.refused ?? 0,
        writeFailing: buffer.writeFailing,
        ...(buffer.problem ? { problem: buffer.problem } : {}),
        ...(buffer.recoveredFrom ? { recoveredFrom: buffer.recoveredFrom } : {}),
      },
      sensors: { total: status.sensors.length, ok: status.sensors.filter((sensor) => sensor.state === 'ok').length, failed },
      outputs,
      clock: { synchronized: status.clock.synchronized, plausible: status.clock.plausible },
      ...this.diskFree(buffer.freeBytes),
      epoch: buffer.epoch,
      lastSeq: buffer.lastSeq,
    };
  }

  /** The buffer's own free-space check is fresher than the host read when it has one. */
  private diskFree(freeBytes: number | null | undefined): HostFacts {
    const diskFreeMB = typeof freeBytes === 'number' ? Math.round(freeBytes / 1e5) / 10 : this.hostFacts.diskFreeMB;
    return { ...this.hostFacts, diskFreeMB };
  }
}

/** SENSOR_NOT_FOUND for "SENSOR_NOT_FOUND: no device at 0x76 ...", else the message's start. */
export function errorCode(message: string | null): string {
  if (message === null) return 'no answer';
  return codeOfMessage(message) ?? message.slice(0, MESSAGE_CHARS);
}
