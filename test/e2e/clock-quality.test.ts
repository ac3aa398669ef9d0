// Time quality end to end: the whole agent in-process against a real Aedes broker, its clock
// state from the fake source (the kernel's NTP state is the hardware here) and its wall clock
// stepped against the real monotonic one, as NTP's first step does. Readings taken before the
// sync wait in the buffer (the link is cut) and arrive marked "corrected" with their true time;
// readings of an earlier boot arrive still marked "unsynced"; a step back never breaks seq order.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startAgent, type AgentHost, type RunningAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load.js';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/poll.js';
import { FakeClockSource, SteppableWallClock } from '../helpers/fake-clock.js';

const DAY_MS = 86_400_000;

function capturingLog() {
  const messages: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void messages.push(String((JSON.parse(line) as { msg: unknown }).msg)) });
  return { log, messages };
}

describe('time quality, whole agent', () => {
  let broker: AedesBroker;
  let proxy: TcpProxy;
  let subscriber: Subscriber;
  let dir: { path: string; cleanup(): Promise<void> };
  let agent: RunningAgent | null = null;

  const config = () =>
    parseConfig(
      {
        device: { id: 'pi-1' },
        mqtt: { url: proxy.url, reconnect: { min: '100ms', max: '300ms' } },
        store: { path: join(dir.path, 'buffer') },
        status: { listen: 'off' },
        log: { level: 'silent' },
        sensors: [{ id: 'room', driver: 'simulated', interval: '100ms', signal: 'counter', decimals: 0 }],
      },
      { env: {}, baseDir: dir.path, hostname: 'pi-1' },
    );

  const start = async (host: AgentHost, log = pino({ level: 'silent' })): Promise<RunningAgent> => {
    agent = await startAgent(config(), log, host);
    return agent;
  };

  beforeEach(async () => {
    broker = await startAedes();
    proxy = await startTcpProxy(broker.port);
    subscriber = await startSubscriber(broker.url, 'sensors/pi-1/#');
    dir = await makeTempDir('clock-quality-');
  });

  afterEach(async () => {
    await agent?.stop();
    agent = null;
    await subscriber.stop();
    await proxy.stop();
    await broker.stop();
    await dir.cleanup();
  });

  it('readings taken before the sync arrive marked corrected, with their true time; later ones unmarked', { timeout: 120_000 }, async () => {
    proxy.cut();
    const source = new FakeClockSource({ synchronized: false, source: 'fake' });
    // The clock a Pi without RTC boots with: fake-hwclock's last shutdown, a day behind.
    const wall = new SteppableWallClock(-DAY_MS);
    const { log, messages } = capturingLog();
    const started = Date.now();
    const running = await start({ clockSource: source, now: wall.now, bootId: 'boot-a' }, log);
    await until(() => running.buffer.stats().lastSeq >= 5, 20_000, 'five readings waiting');
    expect(running.hub.snapshot().clock).toMatchObject({ synchronized: false, source: 'fake' });

    // NTP's first answer: the clock steps a day forward, then the kernel says synchronized.
    wall.skewMs = 0;
    source.set({ synchronized: true });
    await until(() => running.hub.snapshot().clock.synchronized === true, 20_000, 'the synchronized clock');
    const synced = Date.now();
    const lastBefore = running.buffer.stats().lastSeq;
    await until(() => running.buffer.stats().lastSeq >= lastBefore + 5, 20_000, 'five readings after the sync');

    proxy.restore();
    const lastSeq = running.buffer.stats().lastSeq;
    await subscriber.waitForAll(lastSeq, 40_000);
    const readings = subscriber.readings.filter((reading) => reading.topic === 'sensors/pi-1/room' && reading.seq <= lastSeq);
    expect(readings.map((reading) => reading.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    const before = readings.filter((reading) => reading.seq <= lastBefore);
    expect(before.length).toBeGreaterThanOrEqual(5);
    for (const reading of before) {
      // Marked (the ones taken between the step and the source saying so may be either).
      expect(reading.clock).toBe('corrected');
      // Their true sampling time, not a day off: within the real time they were taken in.
      expect(reading.ts).toBeGreaterThanOrEqual(started - 50);
      expect(reading.ts).toBeLessThanOrEqual(synced + 50);
    }
    for (const reading of readings.filter((r) => r.seq > lastBefore + 1)) expect(reading.clock).toBeUndefined();
    // The step was seen and logged once; the status says so; the birth message says synchronized.
    expect(messages.filter((message) => message.startsWith('system clock stepped'))).toEqual(['system clock stepped forward by 86400 s (seq order is unaffected)']);
    expect(running.hub.snapshot().clock).toMatchObject({ synchronized: true, steps: 1 });
    await subscriber.waitFor(() => subscriber.statuses.some((status) => status.state === 'online'), 20_000, 'the birth message');
    expect(subscriber.statuses.find((status) => status.state === 'online')).toMatchObject({ clock: 'synchronized' });
  });

  it('readings of an earlier boot that never synchronized keep their mark and their time', { timeout: 120_000 }, async () => {
    const source = new FakeClockSource({ synchronized: false, source: 'fake' });
    const wall = new SteppableWallClock(-DAY_MS);
    const first = await start({ clockSource: source, now: wall.now, bootId: 'boot-a' });
    // Live while unsynchronized: marked unsynced, and the birth message says so.
    await subscriber.waitFor(() => subscriber.readings.length >= 3, 20_000, 'live readings');
    expect(subscriber.statuses.find((status) => status.state === 'online')).toMatchObject({ clock: 'unsynchronized' });
    expect(subscriber.readings.slice(0, 3).map((reading) => reading.clock)).toEqual(['unsynced', 'unsynced', 'unsynced']);
    proxy.cut();
    const cutAt = first.buffer.stats().lastSeq;
    await until(() => first.buffer.stats().lastSeq >= cutAt + 5, 20_000, 'readings waiting');
    await first.stop();
    agent = null;
    const waitingUpTo = cutAt + 5;

    // The next boot, synchronized: its monotonic clock says nothing about the last boot's.
    const second = await start({ clockSource: new FakeClockSource({ synchronized: true, source: 'fake' }), bootId: 'boot-b' });
    proxy.restore();
    await subscriber.waitForAll(second.buffer.stats().lastSeq, 40_000);
    const old = subscriber.readings.filter((reading) => reading.seq > cutAt + 1 && reading.seq <= waitingUpTo);
    expect(old.length).toBeGreaterThan(0);
    for (const reading of old) {
      expect(reading.clock).toBe('unsynced');
      // Still the wrong clock's time: a day behind.
      expect(Date.now() - reading.ts).toBeGreaterThan(DAY_MS - 60_000);
    }
    const lastOld = Math.max(...subscriber.readings.filter((reading) => reading.clock === 'unsynced').map((reading) => reading.seq));
    const fresh = subscriber.readings.filter((reading) => reading.seq > lastOld);
    expect(fresh.length).toBeGreaterThan(0);
    for (const reading of fresh) expect(reading.clock).toBeUndefined();
  });

  it('the retained birth message says the clock state, and is sent again when the clock is synchronized', { timeout: 120_000 }, async () => {
    const source = new FakeClockSource({ synchronized: false, source: 'fake' });
    await start({ clockSource: source, bootId: 'boot-a' });
    await subscriber.waitFor(() => subscriber.statuses.some((status) => status.state === 'online'), 20_000, 'the birth message');
    expect(subscriber.statuses.filter((status) => status.state === 'online').map((status) => status.clock)).toEqual(['unsynchronized']);
    source.set({ synchronized: true });
    await subscriber.waitFor(() => subscriber.statuses.some((status) => status.clock === 'synchronized'), 20_000, 'the birth message again');
    expect(subscriber.statuses.filter((status) => status.state === 'online').map((status) => status.clock)).toEqual(['unsynchronized', 'synchronized']);
  });

  it('a clock step back while running keeps seq order and is logged once', { timeout: 120_000 }, async () => {
    const wall = new SteppableWallClock(0);
    const { log, messages } = capturingLog();
    const running = await start({ clockSource: new FakeClockSource({ synchronized: true, source: 'fake' }), now: wall.now, bootId: 'boot-a' }, log);
    await subscriber.waitFor(() => subscriber.readings.length >= 3, 20_000, 'readings');
    const stepAtSeq = running.buffer.stats().lastSeq;
    wall.skewMs = -3_600_000; // a power cut's fake-hwclock an hour back
    await until(() => running.buffer.stats().lastSeq >= stepAtSeq + 5, 20_000, 'readings after the step');
    const lastSeq = running.buffer.stats().lastSeq;
    await subscriber.waitForAll(lastSeq, 40_000);
    const readings = subscriber.readings.filter((reading) => reading.seq <= lastSeq);
    expect(readings.map((reading) => reading.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    const after = readings.filter((reading) => reading.seq > stepAtSeq + 1);
    expect(after.every((reading) => reading.ts < Date.now() - 3_000_000)).toBe(true);
    await until(() => messages.some((message) => message.startsWith('system clock stepped')), 20_000, 'the step logged');
    expect(messages.filter((message) => message.startsWith('system clock stepped'))).toEqual(['system clock stepped back by 3600 s (seq order is unaffected)']);
  });
});
