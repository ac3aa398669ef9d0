// The clock monitor over the fake source: marks while the clock cannot be trusted, corrects marks
// of this boot once synchronized (never another boot's), and logs a step once.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ClockMonitor } from '../../src/clock/clock-monitor.js';
import { FakeClockSource } from '../helpers/fake-clock.js';

const DAY_MS = 86_400_000;

function capturingLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines, messages: () => lines.map((line) => String(line.msg)) };
}

function rig(state: ConstructorParameters<typeof FakeClockSource>[0], wall = 1_764_000_000_000) {
  const clock = { wall, mono: 50_000 };
  const source = new FakeClockSource(state);
  const { log, messages } = capturingLog();
  const monitor = new ClockMonitor({ source, log, now: () => clock.wall, monoNow: () => clock.mono, bootId: 'boot-a', stepCheckMs: 60_000 });
  const advance = (ms: number): void => {
    clock.wall += ms;
    clock.mono += ms;
  };
  const changed = (): Promise<void> => new Promise((resolve) => monitor.once('change', () => resolve()));
  return { clock, source, monitor, messages, advance, changed };
}

describe('clock monitor', () => {
  it('marks readings while the clock is not synchronized, with this boot and their monotonic time', async () => {
    const { monitor } = rig({ synchronized: false, source: 'fake' });
    await monitor.start();
    expect(monitor.mark(1234.5)).toEqual({ boot: 'boot-a', mono: 1234.5 });
    expect(monitor.status()).toMatchObject({ synchronized: false, source: 'fake', plausible: true, steps: 0, lastStep: null });
    expect(monitor.word()).toBe('unsynchronized');
    await monitor.stop();
  });

  it('does not mark readings while synchronized, nor while unknown with a plausible year', async () => {
    const synced = rig({ synchronized: true, source: 'fake' });
    await synced.monitor.start();
    expect(synced.monitor.mark(1)).toBeUndefined();
    expect(synced.monitor.word()).toBe('synchronized');
    await synced.monitor.stop();
    const unknown = rig({ synchronized: null, source: 'none' });
    await unknown.monitor.start();
    expect(unknown.monitor.mark(1)).toBeUndefined();
    expect(unknown.monitor.word()).toBe('unknown');
    await unknown.monitor.stop();
  });

  it('marks readings when nothing can tell but the year is 1970 (a Pi without RTC)', async () => {
    const { monitor } = rig({ synchronized: null, source: 'none' }, 5_000);
    await monitor.start();
    expect(monitor.status().plausible).toBe(false);
    expect(monitor.mark(7)).toEqual({ boot: 'boot-a', mono: 7 });
    expect(monitor.word()).toBe('unsynchronized');
    expect(monitor.correct({ boot: 'boot-a', mono: 7 })).toBeNull();
    await monitor.stop();
  });

  it('corrects a mark of this boot from its monotonic time once synchronized, never one of another boot', async () => {
    const { monitor, source, clock, advance, changed } = rig({ synchronized: false, source: 'fake' }, 1_764_000_000_000 - DAY_MS);
    await monitor.start();
    const mark = monitor.mark(clock.mono)!;
    expect(monitor.correct(mark)).toBeNull();
    advance(10_000);
    // NTP steps the clock one day forward, then says it is synchronized.
    clock.wall += DAY_MS;
    const seen = changed();
    source.set({ synchronized: true });
    await seen;
    // Taken 10 s ago on the monotonic clock: the true time is now - 10 s.
    expect(monitor.correct(mark)).toBe(clock.wall - 10_000);
    expect(monitor.correct({ boot: 'boot-b', mono: mark.mono })).toBeNull();
    expect(monitor.status()).toMatchObject({ synchronized: true, since: clock.wall, steps: 1, lastStep: { byMs: DAY_MS } });
    await monitor.stop();
  });

  it('logs a clock step once, whichever way, and ignores drift below a second', async () => {
    const { monitor, clock, messages, advance } = rig({ synchronized: true, source: 'fake' });
    await monitor.start();
    advance(5000);
    clock.wall += 400; // slew-sized
    monitor.status();
    clock.wall -= 3_600_000; // a power cut's fake-hwclock an hour back
    monitor.status();
    monitor.status();
    advance(5000);
    monitor.status();
    const steps = messages().filter((message) => message.startsWith('system clock stepped'));
    expect(steps).toEqual(['system clock stepped back by 3600 s (seq order is unaffected)']);
    expect(monitor.status()).toMatchObject({ steps: 1, lastStep: { byMs: -3_600_000 } });
    await monitor.stop();
  });

  it('logs the synchronization once and polls the source again', async () => {
    const { monitor, source, messages, changed } = rig({ synchronized: false, source: 'fake' });
    await monitor.start();
    const seen = changed();
    source.set({ synchronized: true, since: 1_764_000_000_500 });
    await seen;
    expect(monitor.status()).toMatchObject({ synchronized: true, since: 1_764_000_000_500 });
    expect(messages().filter((message) => message.startsWith('system clock'))).toEqual(['system clock not synchronized: readings are marked until it is', 'system clock synchronized']);
    expect(source.reads).toBe(2);
    await monitor.stop();
  });
});
