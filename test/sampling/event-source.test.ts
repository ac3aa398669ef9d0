// The sampler with event-driven sensors (onReading): pushed readings are accepted at once with
// their own timestamp, read() keeps running on the grid as the heartbeat, and failures back off
// as for any sensor.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SensorSchedule, type ScheduleHooks } from '../../src/sampling/sensor-schedule.js';
import type { Sensor, Values } from '../../src/sensors/types.js';
import { gpioInputDriver, gpioInputOptions } from '../../src/sensors/gpio-input.js';
import { createSimulatedGpio } from '../../src/hardware/gpio/simulated-gpio.js';
import { simulatedGpioScript } from '../../src/hardware/gpio/simulated-gpio-script.js';

const log = pino({ level: 'silent' });
const START = 3_000_000;

type Push = (values: Values, ts: number) => void;

/** A sensor whose pushes the test triggers; read() returns the last pushed values (or level 0). */
function eventSensor(readError?: Error): { sensor: Sensor; push: Push; closed: () => boolean } {
  let listener: Push | undefined;
  let latest: Values = { level: 0 };
  let closed = false;
  return {
    sensor: {
      read: async () => {
        if (readError) throw readError;
        return latest;
      },
      onReading: (next) => void (listener = next),
      close: async () => void (closed = true),
    },
    push: (values, ts) => {
      latest = values;
      listener?.(values, ts);
    },
    closed: () => closed,
  };
}

function recordingHooks(accept: ScheduleHooks['accept'] = async () => {}) {
  const accepted: Array<{ ts: number; samples: Values[] }> = [];
  const failed: string[] = [];
  const hooks: ScheduleHooks = {
    accept: vi.fn(async (sensorId: string, ts: number, samples: Values[]) => {
      accepted.push({ ts, samples });
      await accept(sensorId, ts, samples);
    }),
    failed: (_id, message) => failed.push(message),
    recovered: () => {},
  };
  return { hooks, accepted, failed };
}

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('sampler with event-driven sensors', () => {
  it('accepts each pushed reading immediately, with its own timestamp, beside the heartbeat reads', async () => {
    const source = eventSensor();
    const { hooks, accepted } = recordingHooks();
    const schedule = new SensorSchedule({ sensorId: 'door', intervalMs: 60_000, open: async () => source.sensor, hooks, log });
    schedule.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(accepted).toEqual([{ ts: START, samples: [{ level: 0 }] }]);

    await vi.advanceTimersByTimeAsync(1_500);
    source.push({ level: 1 }, START + 1_480);
    expect(hooks.accept).toHaveBeenLastCalledWith('door', START + 1_480, [{ level: 1 }]);

    await vi.advanceTimersByTimeAsync(58_500);
    expect(accepted).toEqual([
      { ts: START, samples: [{ level: 0 }] },
      { ts: START + 1_480, samples: [{ level: 1 }] },
      { ts: START + 60_000, samples: [{ level: 1 }] },
    ]);
    await schedule.stop();
  });

  it('puts a sensor whose line fails to open in failed state and retries with backoff', async () => {
    const source = eventSensor();
    const open = vi
      .fn<() => Promise<Sensor>>()
      .mockRejectedValueOnce(new Error('GPIO_BUSY: BCM 17 (sysfs gpio529) is still busy'))
      .mockRejectedValueOnce(new Error('GPIO_BUSY: BCM 17 (sysfs gpio529) is still busy'))
      .mockResolvedValue(source.sensor);
    const { hooks, accepted, failed } = recordingHooks();
    const schedule = new SensorSchedule({ sensorId: 'door', intervalMs: 10_000, open, hooks, log });
    schedule.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(failed).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(open).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(19_999);
    expect(open).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(open).toHaveBeenCalledTimes(3);
    source.push({ level: 1 }, Date.now());
    expect(accepted.map((reading) => reading.samples)).toEqual([[{ level: 0 }], [{ level: 1 }]]);
    await schedule.stop();
  });

  it('drops pushes from an instance that failed and was closed, and subscribes to its replacement', async () => {
    const broken = eventSensor(new Error('EIO'));
    const healthy = eventSensor();
    const open = vi.fn<() => Promise<Sensor>>().mockResolvedValueOnce(broken.sensor).mockResolvedValue(healthy.sensor);
    const { hooks, accepted } = recordingHooks();
    const schedule = new SensorSchedule({ sensorId: 'door', intervalMs: 5_000, open, hooks, log });
    schedule.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(broken.closed()).toBe(true);
    broken.push({ level: 1 }, Date.now());
    expect(accepted).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_000);
    healthy.push({ level: 1 }, Date.now());
    expect(accepted.map((reading) => reading.samples)).toEqual([[{ level: 0 }], [{ level: 1 }]]);
    await schedule.stop();
  });

  it('waits on stop for pushed readings still being accepted, and ignores pushes after', async () => {
    const source = eventSensor();
    let release: () => void = () => {};
    const { hooks, accepted } = recordingHooks(async (_id, ts) => {
      if (ts === START + 100) await new Promise<void>((resolve) => (release = resolve));
    });
    const schedule = new SensorSchedule({ sensorId: 'door', intervalMs: 60_000, open: async () => source.sensor, hooks, log });
    schedule.start();
    await vi.advanceTimersByTimeAsync(0);
    source.push({ level: 1 }, START + 100);
    let stopped = false;
    const stopping = schedule.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    source.push({ level: 0 }, START + 200);
    release();
    await stopping;
    expect(source.closed()).toBe(true);
    expect(accepted.map((reading) => reading.ts)).toEqual([START, START + 100]);
  });

  it('survives a pushed reading the buffer refuses', async () => {
    const source = eventSensor();
    const { hooks } = recordingHooks(async (_id, _ts, samples) => {
      if (samples[0]?.level === 1) throw new Error('store closed');
    });
    const schedule = new SensorSchedule({ sensorId: 'door', intervalMs: 60_000, open: async () => source.sensor, hooks, log });
    schedule.start();
    await vi.advanceTimersByTimeAsync(0);
    source.push({ level: 1 }, START + 1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(hooks.accept).toHaveBeenCalledTimes(3);
    await schedule.stop();
  });

  it('publishes a simulated door contact on every change and on every interval (gpio-input end to end)', async () => {
    const gpio = createSimulatedGpio(new Map([[17, simulatedGpioScript.parse({ level: 0, toggle: '25s' })]]));
    const hardware = { i2c: () => Promise.reject(new Error('no I2C')), gpio, oneWireRoot: '/nonexistent', iioRoot: '/nonexistent', hwmonRoot: '/nonexistent', close: async () => {} };
    const { hooks, accepted } = recordingHooks();
    const options = gpioInputOptions.parse({ pin: 17 });
    const schedule = new SensorSchedule({
      sensorId: 'door',
      intervalMs: 60_000,
      open: () => gpioInputDriver.create(options, { sensorId: 'door', storePath: '/tmp', log, hardware }),
      hooks,
      log,
    });
    schedule.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(accepted).toEqual([
      { ts: START, samples: [{ level: 0 }] },
      { ts: START + 25_020, samples: [{ level: 1 }] },
      { ts: START + 50_020, samples: [{ level: 0 }] },
      { ts: START + 60_000, samples: [{ level: 0 }] },
    ]);
    await schedule.stop();
    expect(gpio.line(17)?.isClosed).toBe(true);
  });
});
