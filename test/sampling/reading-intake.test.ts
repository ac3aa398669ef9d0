// The intake between the sampler and the buffer, over a real LevelDB: what the filters hold back
// takes no seq and no buffer space, what passes is stored exactly as it will be published, and a
// clamp failure is a counted failure, not a stored value.
import { afterEach, describe, expect, it } from 'vitest';
import { bufferFixture, silentLog, type BufferFixture } from '../buffer/buffer-fixture.js';
import { StatusHub } from '../../src/status/status-hub.js';
import { ReadingIntake, filtersFor } from '../../src/sampling/reading-intake.js';
import { findDriver } from '../../src/sensors/registry.js';
import { sensorsSchema, type SensorConfig } from '../../src/config/sensor-schema.js';
import type { ReadingBuffer } from '../../src/buffer/reading-buffer.js';

let fixture: BufferFixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

/** A sensor as config load makes it, from its config-file form. */
function configured(entry: Record<string, unknown>): SensorConfig {
  return sensorsSchema().parse([entry])[0]!;
}

async function rig(sensor: SensorConfig) {
  fixture = await bufferFixture();
  const buffer: ReadingBuffer = await fixture.open();
  const clock = { wall: 1_764_000_000_000, mono: 5_000 };
  const hub = new StatusHub({ device: 'pi', version: '0', mqttUrl: 'mqtt://localhost', bufferStats: () => buffer.stats(), now: () => clock.wall, hostInfo: () => ({ addresses: [], clock: { plausible: true, synchronized: true } }) });
  hub.registerSensor(sensor.id, sensor.driver);
  const intake = new ReadingIntake({ append: (reading) => buffer.append(reading), appendAll: (readings) => buffer.appendAll(readings), hub, log: silentLog, now: () => clock.wall, monoNow: () => clock.mono });
  intake.addSensor(sensor.id, filtersFor(sensor, findDriver(sensor.driver)));
  const tick = async (values: Record<string, number>) => {
    await intake.accept(sensor.id, clock.wall, [values]);
    clock.wall += 2000;
    clock.mono += 2000;
  };
  return { buffer, hub, tick, status: () => hub.snapshot().sensors[0]! };
}

describe('reading intake', () => {
  it('a value filtered out takes no seq and no buffer space', async () => {
    const { buffer, tick, status } = await rig({ ...configured({ id: 'room', driver: 'bme280', interval: '2s' }), filters: { all: [{ delta: { amount: 0.2, relative: false } }] } });
    await tick({ temperature: 21.0, humidity: 40 });
    const afterFirst = buffer.stats();
    await tick({ temperature: 21.05, humidity: 40.1 });
    await tick({ temperature: 21.1, humidity: 40.15 });
    expect(buffer.stats()).toMatchObject({ lastSeq: afterFirst.lastSeq, backlog: 1, bytes: afterFirst.bytes });
    expect(status()).toMatchObject({ readingsAccepted: 1, readingsFiltered: 2, lastReading: { seq: 1, values: { temperature: 21, humidity: 40 } }, lastRaw: { values: { temperature: 21.1, humidity: 40.15 } } });
    // Temperature moved 0.25: the next seq, humidity carried as last reported.
    await tick({ temperature: 21.25, humidity: 40.15 });
    const stored = await buffer.readFrom(0, 10);
    expect(stored.map((reading) => [reading.seq, reading.values])).toEqual([
      [1, { temperature: 21, humidity: 40 }],
      [2, { temperature: 21.25, humidity: 40 }],
    ]);
  });

  it('stores the reported values rounded to the driver decimals, the raw sample on the status', async () => {
    const { buffer, tick, status } = await rig({ ...configured({ id: 'room', driver: 'bme280', interval: '2s' }), filters: { temperature: [{ offset: -1.8 }] } });
    await tick({ temperature: 21.53, pressure: 1013.25, humidity: 40.2 });
    const [stored] = await buffer.readFrom(0, 10);
    expect(stored!.values).toEqual({ temperature: 19.73, pressure: 1013.25, humidity: 40.2 });
    expect(status()).toMatchObject({ lastReading: { values: { temperature: 19.73 } }, lastRaw: { values: { temperature: 21.53 } } });
  });

  it('a reading out of its clamp range is a counted failure, not a stored value', async () => {
    const { buffer, tick, status } = await rig({ ...configured({ id: 'room', driver: 'bme280', interval: '2s' }), filters: { temperature: [{ clamp: { min: -40, max: 85 } }] } });
    await tick({ temperature: 150.2, humidity: 40 });
    expect(buffer.stats().lastSeq).toBe(0);
    expect(status()).toMatchObject({ state: 'failed', failures: 1, readingsOutOfRange: 1, readingsFiltered: 0, lastError: 'OUT_OF_RANGE: temperature 150.2 is outside the clamp range -40..85' });
    await tick({ temperature: 21, humidity: 40 });
    expect(status()).toMatchObject({ state: 'ok', readingsAccepted: 1, lastReading: { seq: 1 } });
  });

  it('a sensor without filters stores every sample as it came', async () => {
    const { buffer, tick } = await rig(configured({ id: 'room', driver: 'bme280', interval: '2s' }));
    await tick({ temperature: 21.123 });
    await tick({ temperature: 21.123 });
    expect((await buffer.readFrom(0, 10)).map((reading) => reading.values)).toEqual([{ temperature: 21.123 }, { temperature: 21.123 }]);
  });
});
