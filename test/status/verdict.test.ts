// The page's verdict lines for faults a restart cannot fix (issue 14): the store's own line for a
// full or read-only disk, and a client id another device also uses.
import { describe, expect, it } from 'vitest';
import { StatusHub } from '../../src/status/status-hub.js';
import { problems } from '../../src/status/page/verdict.js';
import { bufferStats } from './helpers.js';
import { ERROR_CATALOGUE } from '../../src/errors/catalogue.js';

const hubWith = (buffer: ReturnType<typeof bufferStats>): StatusHub =>
  new StatusHub({ device: 'greenhouse-pi', version: '1.2.3', mqttUrl: 'mqtt://broker.local:1883', bufferStats: () => buffer, now: () => 1_764_000_000_000 });

describe('the status page verdict', () => {
  it('says the store’s own line when the file system is read-only, not the generic one', () => {
    const problem = 'the store /var/lib/sensor-agent/buffer is on a read-only file system: new readings are dropped and counted, the backlog is still published (remount it read-write or fix the unit\'s ReadWritePaths)';
    const hub = hubWith(bufferStats({ writeFailing: true, problem, capSetBy: 'read-only' }));
    hub.mqttConnected();
    const lines = problems(hub.snapshot());
    expect(lines).toContain(`The store /var/lib/sensor-agent/buffer is on a read-only file system: new readings are dropped and counted, the backlog is still published (remount it read-write or fix the unit's ReadWritePaths).`);
    expect(lines.some((line) => line.startsWith('The buffer refuses writes'))).toBe(false);
  });

  it('names the client id another device uses, how it was seen and what to do', () => {
    const hub = hubWith(bufferStats());
    hub.mqttConnected();
    hub.mqttTakeover({ clientId: 'sensor-agent-pi', since: 1, reason: 'the broker said "session taken over" (MQTT 5 reason code 0x8E)', advice: 'give each device its own, e.g. mqtt.clientId: "sensor-agent-{hardwareId}"' });
    const [line] = problems(hub.snapshot());
    expect(line).toMatch(/client id "sensor-agent-pi" \(the broker said "session taken over" .*0x8E\)\): give each device its own/);
    hub.mqttTakeover(null);
    expect(problems(hub.snapshot())).toEqual([]);
  });

  it('names a failing sensor\'s error code and what a technician should do, from the catalogue', () => {
    const hub = hubWith(bufferStats());
    hub.mqttConnected();
    hub.sensorFailed('door', 'GPIO_BUSY: BCM 17 is in use: another program holds it');
    hub.sensorFailed('attic', 'CRC_ERROR: ds18b20 28-0316a2790dff: CRC check failed twice');
    hub.sensorFailed('loft', 'connection lost');
    const lines = problems(hub.snapshot());
    expect(lines).toContain(`Sensor door fails: GPIO_BUSY: BCM 17 is in use: another program holds it What to do (GPIO_BUSY): ${ERROR_CATALOGUE.GPIO_BUSY.action}`);
    expect(lines.find((line) => line.startsWith('Sensor attic'))).toContain(`What to do (CRC_MISMATCH): ${ERROR_CATALOGUE.CRC_MISMATCH.action}`);
    expect(lines).toContain('Sensor loft fails: connection lost');
  });
});

