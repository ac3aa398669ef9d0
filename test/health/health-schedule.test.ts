// The health schedule (src/health/health-schedule.ts) on vitest's fake timers: a message at connect,
// one per interval, one per change of state but at most one per gap (a flapping sensor does not
// flood), nothing while the link is down.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HealthSchedule } from '../../src/health/health-schedule.js';

describe('HealthSchedule', () => {
  let state: string;
  let sent: Array<{ at: number; state: string }>;
  let schedule: HealthSchedule;

  beforeEach(() => {
    vi.useFakeTimers();
    state = 'ok';
    sent = [];
    schedule = new HealthSchedule({
      intervalMs: 60_000,
      minGapMs: 5000,
      checkDelayMs: 250,
      stateKey: () => state,
      publish: async () => void sent.push({ at: Date.now(), state }),
      now: () => Date.now(),
    });
  });

  afterEach(() => {
    schedule.stop();
    vi.useRealTimers();
  });

  it('sends at connect and then once per interval while nothing changes', async () => {
    const start = Date.now();
    schedule.connected();
    await vi.advanceTimersByTimeAsync(180_500);
    expect(sent.map((message) => message.at - start)).toEqual([0, 60_000, 120_000, 180_000]);
  });

  it('sends on a change of state after the check delay, and not for a change that shows nothing new', async () => {
    const start = Date.now();
    schedule.connected();
    await vi.advanceTimersByTimeAsync(10_000);
    schedule.changed(); // same state: no message
    await vi.advanceTimersByTimeAsync(1000);
    state = 'probe failed';
    schedule.changed();
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent.map((message) => [message.at - start, message.state])).toEqual([[0, 'ok'], [11_250, 'probe failed']]);
    // The interval counts from the last message.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent.at(-1)!.at - start).toBe(71_250);
  });

  it('rate-limits a flapping sensor to one message per gap, each with the latest state', async () => {
    const start = Date.now();
    schedule.connected();
    // 200 flaps, one every 100 ms, for 20 s.
    for (let flap = 0; flap < 200; flap += 1) {
      state = flap % 2 === 0 ? 'probe failed' : 'ok';
      schedule.changed();
      await vi.advanceTimersByTimeAsync(100);
    }
    state = 'probe failed';
    schedule.changed();
    await vi.advanceTimersByTimeAsync(10_000);
    const gaps = sent.slice(1).map((message, i) => message.at - sent[i]!.at);
    expect(gaps.every((gap) => gap >= 5000)).toBe(true);
    expect(sent.length).toBeLessThanOrEqual(1 + Math.ceil(30_000 / 5000));
    // The last word is the state the sensor ended in.
    expect(sent.at(-1)!.state).toBe('probe failed');
    expect(sent.at(-1)!.at - start).toBeLessThan(30_000);
  });

  it('sends nothing while the link is down, and a fresh message at once when it is back', async () => {
    schedule.connected();
    await vi.advanceTimersByTimeAsync(1000);
    schedule.disconnected();
    state = 'probe failed';
    schedule.changed();
    schedule.nudge();
    await vi.advanceTimersByTimeAsync(300_000);
    expect(sent.map((message) => message.state)).toEqual(['ok']);
    const back = Date.now();
    schedule.connected();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.at(-1)).toEqual({ at: back, state: 'probe failed' });
  });

  it('nudge sends within the gap even when the state key is the same', async () => {
    const start = Date.now();
    schedule.connected();
    await vi.advanceTimersByTimeAsync(1000);
    schedule.nudge();
    schedule.nudge();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent.map((message) => message.at - start)).toEqual([0, 5000]);
  });
});
