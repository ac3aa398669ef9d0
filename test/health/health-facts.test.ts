// The health message's facts (src/health/health-facts.ts) from a real status hub: each field from
// where the agent keeps it (buffer stats, the hub's link and sensors, outputs, the clock), the rare
// problem fields present only while they hold, the host's values from the system driver's fixture
// trees, and the encoded text decoding back to the same message.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BufferStats } from '../../src/buffer/index.js';
import { HealthFacts, errorCode } from '../../src/health/health-facts.js';
import { decodeHealth, encodeHealth } from '../../src/health/health-message.js';
import { StatusHub } from '../../src/status/status-hub.js';

const fixture = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const T0 = 1_764_000_000_000;

function rig(stats: Partial<BufferStats> = {}) {
  let time = T0;
  const buffer: BufferStats = { backlog: 0, bytes: 0, lastSeq: 0, epoch: 0, dropped: 0, droppedHigh: 0, highBacklog: 0, oldestTs: null, maxBytes: 256_000_000, writeFailing: false, recoveredFrom: null, syncs: 0, ...stats };
  const outputs = [{ id: 'pump', pin: 17, activeLow: false, state: 1 as const, safeState: 0 as const, since: T0, lastCommand: null, commands: {}, refused: 0, lastError: null }, { id: 'fan', pin: 27, activeLow: false, state: null, safeState: 0 as const, since: T0, lastCommand: null, commands: {}, refused: 0, lastError: 'line error' }];
  const hub = new StatusHub({
    device: 'pi-7', version: '1.2.3', mqttUrl: 'mqtt://b', bufferStats: () => buffer, now: () => time,
    hostInfo: () => ({ addresses: [], clock: { plausible: true, synchronized: true } }),
    outputs: () => ({ outputs, refusals: {} }),
  });
  const facts = new HealthFacts({ snapshot: () => hub.snapshot(), health: () => hub.health(), intervalMs: 60_000, storePath: '/tmp', system: { sysfsRoot: fixture('../fixtures/sysfs/thermal/pi4'), procRoot: fixture('../fixtures/procfs/pi4') } });
  return { hub, facts, buffer, advance: (ms: number) => void (time += ms) };
}

describe('HealthFacts', () => {
  it('fills every field from the hub, the buffer, the outputs and the host', async () => {
    const { hub, facts, advance } = rig({ backlog: 12, lastSeq: 40, epoch: 2, dropped: 3, oldestTs: T0 - 90_000, effectiveMaxBytes: 100_000_000, freeBytes: 1_234_567_890, refused: 5 });
    hub.registerSensor('air', 'bme280');
    hub.registerSensor('probe', 'ds18b20');
    hub.registerSensor('door', 'gpio-input');
    hub.sensorReading('air', { ts: T0, values: { temperature: 21 } });
    hub.sensorFailed('probe', 'SENSOR_NOT_FOUND: no 1-Wire device 28-0316a2790dff (check the wiring)');
    hub.mqttConnected();
    hub.mqttDisconnected('connect ECONNREFUSED 127.0.0.1:1883');
    advance(1000);
    hub.mqttConnected();
    advance(4000);
    await facts.refreshHost();
    const message = facts.collect();
    expect(message).toEqual({
      format: 1, device: 'pi-7', version: '1.2.3', ts: T0 + 5000, uptime: 5, interval: 60, healthy: true,
      link: { since: T0 + 1000, reconnects: 1, lastError: 'connect ECONNREFUSED 127.0.0.1:1883' },
      buffer: { backlog: 12, oldestAge: 95, dropped: 3, cap: 100_000_000, writeFailures: 5, writeFailing: false },
      sensors: { total: 3, ok: 1, failed: { probe: 'SENSOR_NOT_FOUND' } },
      outputs: { pump: 1, fan: null },
      clock: { synchronized: true, plausible: true },
      // From the buffer's own free-space check (the fresher one); memory and temperature from the fixture trees.
      diskFreeMB: 1234.6, memoryAvailableMB: 3187.8, cpuTemperature: 48.3,
      epoch: 2, lastSeq: 40,
    });
    expect(decodeHealth(encodeHealth(message))).toEqual({ message });
  });

  it('adds the problem fields while they hold, and the reason when not healthy', () => {
    const { hub, facts } = rig({ writeFailing: true, capSetBy: 'disk full', problem: 'disk full under /var/lib/sensor-agent: 0 B free', recoveredFrom: '/var/lib/sensor-agent/buffer.corrupt-1' });
    hub.mqttConnected();
    hub.mqttUnsendable(2);
    hub.mqttRefusal({ reasonCode: 0x87, reason: 'Not authorized', topic: 'sensors/pi-7/air', inARow: 3, persistent: true, at: T0 }, 3);
    hub.mqttTakeover({ clientId: 'sensor-agent-pi-7', since: T0, reason: 'kicked 3 times', advice: 'give each device its own id' });
    const message = facts.collect();
    expect(message.healthy).toBe(false);
    expect(message.reason).toMatch(/^buffer is refusing writes: disk full/);
    expect(message.link).toMatchObject({ unsendable: 2, refusing: { reason: 'Not authorized', topic: 'sensors/pi-7/air', inARow: 3 }, takeover: { clientId: 'sensor-agent-pi-7', reason: 'kicked 3 times', advice: 'give each device its own id' } });
    expect(message.buffer).toMatchObject({ writeFailing: true, problem: 'disk full under /var/lib/sensor-agent: 0 B free', recoveredFrom: '/var/lib/sensor-agent/buffer.corrupt-1' });
    // While the link is down a message is never sent; if collected, its link has no since.
    hub.mqttDisconnected(null);
    expect(facts.collect().link.since).toBeNull();
  });

  it('names a failure by its code, else by the start of its message', () => {
    expect(errorCode('SHORT_READ: 2 of 6 bytes from 0x44 on /dev/i2c-1')).toBe('SHORT_READ');
    expect(errorCode('timed out after 2000 ms waiting for the conversion of the sensor on the bus')).toBe('timed out after 2000 ms waiting for the conversion of the se');
    expect(errorCode(null)).toBe('no answer');
  });
});
