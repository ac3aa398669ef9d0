// The sampler's schedule, on fake timers: the first reading at start, then every interval on a
// fixed grid however long reads take, a doubling retry delay while a sensor fails, recovery, and
// sensors that never hold each other up.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { SensorSchedule, type ScheduleHooks } from '../../src/sampling/sensor-schedule.js';
import { MAX_RETRY_DELAY_MS, retryDelayMs } from '../../src/sampling/retry-delay.js';
import type { Sensor, Values } from '../../src/sensors/types.js';

const silent = pino({ level: 'silent' });
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

interface Recorder extends ScheduleHooks {
  /** Sampling times of accepted ticks, relative to T0, per sensor. */
  accepted: Map<string, number[]>;
  samples: Values[][];
  failedAt: Array<{ sensor: string; at: number; message: string }>;
  recoveredAt: Array<{ sensor: string; at: number }>;
}

function recorder(): Recorder {
  const accepted = new Map<string, number[]>();
  const rec: Recorder = {
    accepted,
    samples: [],
    failedAt: [],
    recoveredAt: [],
    accept: async (sensorId, ts, samples) => {
      accepted.set(sensorId, [...(accepted.get(sensorId) ?? []), ts - T0]);
      rec.samples.push(samples);
    },
    failed: (sensor, message) => void rec.failedAt.push({ sensor, at: Date.now() - T0, message }),
    recovered: (sensor) => void rec.recoveredAt.push({ sensor, at: Date.now() - T0 }),
  };
  return rec;
}

/** A sensor whose reads take `readMs` (on the fake clock) and fail while `failing()` says so. */
function fakeSensor(options: { readMs?: number; failing?: () => boolean; readingsPerTick?: number } = {}): Sensor & { reads: number; closed: number } {
  const sensor = {
    reads: 0,
    closed: 0,
    ...(options.readingsPerTick !== undefined ? { readingsPerTick: options.readingsPerTick } : {}),
    read: async (): Promise<Values> => {
      sensor.reads += 1;
      if (options.readMs) await new Promise((resolve) => setTimeout(resolve, options.readMs));
      if (options.failing?.()) throw new Error('SENSOR_NOT_FOUND: no answer at 0x76');
      return { value: sensor.reads };
    },
    close: async () => void (sensor.closed += 1),
  };
  return sensor;
}

const schedules: SensorSchedule[] = [];

function schedule(sensorId: string, intervalMs: number, hooks: ScheduleHooks, open: () => Promise<Sensor>): SensorSchedule {
  const made = new SensorSchedule({ sensorId, intervalMs, open, hooks, log: silent, now: () => Date.now() });
  schedules.push(made);
  return made;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});

afterEach(async () => {
  // A read in progress ends on the fake clock; stop() waits for it.
  const stopping = Promise.all(schedules.splice(0).map((made) => made.stop()));
  await vi.advanceTimersByTimeAsync(60_000);
  await stopping;
  vi.useRealTimers();
});

describe('retryDelayMs', () => {
  it('doubles from the interval, at least 1 s, up to 5 minutes', () => {
    expect([1, 2, 3, 4].map((failures) => retryDelayMs(5000, failures))).toEqual([5000, 10_000, 20_000, 40_000]);
    expect([1, 2, 3].map((failures) => retryDelayMs(100, failures))).toEqual([1000, 2000, 4000]);
    expect(retryDelayMs(60_000, 10)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(1000, 10_000)).toBe(MAX_RETRY_DELAY_MS);
  });
});

describe('SensorSchedule', () => {
  it('takes the first reading at start, then one every interval', async () => {
    const hooks = recorder();
    schedule('a', 1000, hooks, async () => fakeSensor()).start();
    await vi.advanceTimersByTimeAsync(0);
    expect(hooks.accepted.get('a')).toEqual([0]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(hooks.accepted.get('a')).toEqual([0, 1000, 2000, 3000]);
  });

  it('stays on the grid when reads take time: no drift', async () => {
    const hooks = recorder();
    schedule('slow', 1000, hooks, async () => fakeSensor({ readMs: 300 })).start();
    await vi.advanceTimersByTimeAsync(10_500);
    expect(hooks.accepted.get('slow')).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000]);
  });

  it('skips the slots a read longer than the interval missed, instead of bunching readings', async () => {
    const hooks = recorder();
    schedule('sluggish', 1000, hooks, async () => fakeSensor({ readMs: 1500 })).start();
    // Reads run 0-1500, 2000-3500, 4000-5500, 6000-7500: each starts on the next free slot.
    await vi.advanceTimersByTimeAsync(7500);
    expect(hooks.accepted.get('sluggish')).toEqual([0, 2000, 4000, 6000]);
  });

  it('hands the buffer readingsPerTick samples per tick, taken at one sampling time', async () => {
    const hooks = recorder();
    schedule('burst', 1000, hooks, async () => fakeSensor({ readingsPerTick: 3 })).start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(hooks.accepted.get('burst')).toEqual([0, 1000]);
    expect(hooks.samples).toEqual([
      [{ value: 1 }, { value: 2 }, { value: 3 }],
      [{ value: 4 }, { value: 5 }, { value: 6 }],
    ]);
  });

  it('marks a failing sensor failed, retries with a doubling delay, and resumes on a fresh grid once it recovers', async () => {
    const hooks = recorder();
    let failing = true;
    const opened: Array<ReturnType<typeof fakeSensor>> = [];
    schedule('flaky', 1000, hooks, async () => {
      const sensor = fakeSensor({ failing: () => failing });
      opened.push(sensor);
      return sensor;
    }).start();

    // Fails at 0, then retries after 1 s, 2 s, 4 s (retryDelayMs for a 1 s interval).
    await vi.advanceTimersByTimeAsync(6999);
    const retries = [1, 2].map((failures) => retryDelayMs(1000, failures));
    expect(hooks.failedAt.map((failure) => failure.at)).toEqual([0, retries[0], retries[0]! + retries[1]!]);
    expect(hooks.failedAt[0]).toEqual({ sensor: 'flaky', at: 0, message: 'SENSOR_NOT_FOUND: no answer at 0x76' });
    expect(hooks.accepted.get('flaky')).toBeUndefined();
    // Each failure closes the driver; the next try opens a fresh one.
    expect(opened.map((sensor) => sensor.closed)).toEqual([1, 1, 1]);

    failing = false;
    await vi.advanceTimersByTimeAsync(1);
    expect(hooks.recoveredAt).toEqual([{ sensor: 'flaky', at: 7000 }]);
    expect(hooks.accepted.get('flaky')).toEqual([7000]);

    await vi.advanceTimersByTimeAsync(2000);
    expect(hooks.accepted.get('flaky')).toEqual([7000, 8000, 9000]);
    expect(hooks.failedAt).toHaveLength(3);
    expect(hooks.recoveredAt).toHaveLength(1);
  });

  it('treats a driver that cannot be opened like a failing read', async () => {
    const hooks = recorder();
    let attempts = 0;
    schedule('absent', 5000, hooks, async () => {
      attempts += 1;
      if (attempts <= 2) throw new Error('SENSOR_NOT_FOUND: no device at 0x76 on /dev/i2c-1');
      return fakeSensor();
    }).start();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(hooks.failedAt.map((failure) => failure.at)).toEqual([0, 5000]);
    expect(hooks.recoveredAt.map((recovery) => recovery.at)).toEqual([15_000]);
    expect(hooks.accepted.get('absent')).toEqual([15_000]);
  });

  it('does not let a failing or hung sensor delay another', async () => {
    const hooks = recorder();
    let releaseHung: (values: Values) => void = () => undefined;
    schedule('broken', 1000, hooks, async () => fakeSensor({ failing: () => true })).start();
    schedule('hung', 1000, hooks, async () => ({ read: () => new Promise<Values>((resolve) => (releaseHung = resolve)) })).start();
    schedule('healthy', 1000, hooks, async () => fakeSensor()).start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(hooks.accepted.get('healthy')).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(hooks.failedAt.filter((failure) => failure.sensor === 'broken').length).toBeGreaterThan(1);
    expect(hooks.accepted.get('hung')).toBeUndefined();
    releaseHung({ value: 0 }); // so stop() can finish
  });

  it('stops: no reading after stop(), and the driver is closed', async () => {
    const hooks = recorder();
    const sensor = fakeSensor();
    const made = schedule('a', 1000, hooks, async () => sensor);
    made.start();
    await vi.advanceTimersByTimeAsync(2000);
    await made.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(hooks.accepted.get('a')).toEqual([0, 1000, 2000]);
    expect(sensor.closed).toBe(1);
  });

  it('waits for a read in progress when stopped, and does not hand it to the buffer', async () => {
    const hooks = recorder();
    const sensor = fakeSensor({ readMs: 500 });
    const made = schedule('a', 1000, hooks, async () => sensor);
    made.start();
    await vi.advanceTimersByTimeAsync(1200); // the tick at 1000 is reading
    let stopped = false;
    const stopping = made.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(300);
    await stopping;
    expect(hooks.accepted.get('a')).toEqual([0]);
    expect(sensor.closed).toBe(1);
  });

  it('stops retrying a failing sensor', async () => {
    const hooks = recorder();
    const made = schedule('broken', 1000, hooks, async () => fakeSensor({ failing: () => true }));
    made.start();
    await vi.advanceTimersByTimeAsync(0);
    await made.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(hooks.failedAt).toHaveLength(1);
  });
});
