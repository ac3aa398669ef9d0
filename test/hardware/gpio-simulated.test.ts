// Simulated GPIO lines: scripted levels from `simulate.gpio.<pin>`, edges per the opened edge
// setting, debounce and activeLow as sysfs/onoff apply them, outputs, and timer hygiene.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSimulatedGpio } from '../../src/hardware/gpio/simulated-gpio.js';
import { simulatedGpioScript, type SimulatedGpioScript } from '../../src/hardware/gpio/simulated-gpio-script.js';
import type { GpioLineOptions, Level } from '../../src/hardware/gpio/gpio.js';

function script(raw: unknown): SimulatedGpioScript {
  return simulatedGpioScript.parse(raw);
}

async function openLine(raw: unknown, options: GpioLineOptions, pin = 17) {
  const gpio = createSimulatedGpio(new Map([[pin, script(raw)]]));
  const line = await gpio.open(pin, options);
  const edges: Array<{ level: Level; ts: number }> = [];
  line.watch((level, ts) => edges.push({ level, ts }));
  return { line, edges };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('simulated GPIO script schema', () => {
  it('reads levels, toggle durations and pulses as in the config', () => {
    expect(script({ toggle: '30s' })).toEqual({ level: 0, toggle: 30_000 });
    expect(script({ level: 1, pulses: { every: '1s' } })).toEqual({ level: 1, pulses: { everyMs: 1000, widthMs: 50 } });
    expect(script({ pulses: { every: '40ms' } }).pulses).toEqual({ everyMs: 40, widthMs: 20 });
    expect(simulatedGpioScript.safeParse({ pulses: { every: '1s', width: '600ms' } }).error?.issues[0]?.message).toMatch(/too long/);
    expect(simulatedGpioScript.safeParse({ level: 2 }).success).toBe(false);
  });
});

describe('simulated GPIO line', () => {
  it('starts at the scripted level and flips it every toggle period, reporting both edges', async () => {
    const { line, edges } = await openLine({ level: 1, toggle: '30s' }, { direction: 'in', edge: 'both' });
    expect(await line.read()).toBe(1);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(edges).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await line.read()).toBe(0);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(edges).toEqual([
      { level: 0, ts: 1_030_000 },
      { level: 1, ts: 1_060_000 },
    ]);
  });

  it('reports only the edges the line was opened for', async () => {
    const rising = await openLine({ toggle: '10s' }, { direction: 'in', edge: 'rising' });
    const falling = await openLine({ toggle: '10s' }, { direction: 'in', edge: 'falling' });
    const none = await openLine({ toggle: '10s' }, { direction: 'in' });
    await vi.advanceTimersByTimeAsync(40_000);
    expect(rising.edges.map((edge) => edge.level)).toEqual([1, 1]);
    expect(falling.edges.map((edge) => edge.level)).toEqual([0, 0]);
    expect(none.edges).toEqual([]);
    expect(await none.line.read()).toBe(0);
  });

  it('inverts levels and edges with activeLow (a contact to ground reads 1 when closed)', async () => {
    const { line, edges } = await openLine({ level: 1, toggle: '5s' }, { direction: 'in', edge: 'rising', activeLow: true });
    expect(await line.read()).toBe(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await line.read()).toBe(1);
    expect(edges).toEqual([{ level: 1, ts: 1_005_000 }]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(edges).toHaveLength(1);
  });

  it('debounces: a bouncing contact gives one edge once the level is stable for the debounce time', async () => {
    const { line, edges } = await openLine({}, { direction: 'in', edge: 'both', debounceMs: 20 });
    for (const level of [1, 0, 1, 0, 1] as const) {
      line.drive(level);
      await vi.advanceTimersByTimeAsync(3);
    }
    expect(edges).toEqual([]);
    await vi.advanceTimersByTimeAsync(16);
    expect(edges).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(edges).toEqual([{ level: 1, ts: 1_000_032 }]);
  });

  it('debounces away a glitch shorter than the debounce time', async () => {
    const { line, edges } = await openLine({}, { direction: 'in', edge: 'both', debounceMs: 20 });
    line.drive(1);
    await vi.advanceTimersByTimeAsync(10);
    line.drive(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(edges).toEqual([]);
  });

  it('plays pulses for counters: one rising edge per pulse when the pulse outlasts the debounce', async () => {
    const { line, edges } = await openLine({ pulses: { every: '1s', width: '50ms' } }, { direction: 'in', edge: 'rising', debounceMs: 20 });
    await vi.advanceTimersByTimeAsync(10_030);
    // Pulses start at 1s, 2s, ... 10s; each edge is reported once the level held for 20 ms.
    expect(edges.map((edge) => edge.level)).toEqual(Array<Level>(10).fill(1));
    expect(edges[0]?.ts).toBe(1_001_020);
    expect(await line.read()).toBe(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(await line.read()).toBe(0);
    const short = await openLine({ pulses: { every: '1s', width: '10ms' } }, { direction: 'in', edge: 'rising', debounceMs: 20 });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(short.edges).toEqual([]);
  });

  it('stores what is written to an output line', async () => {
    const gpio = createSimulatedGpio(new Map());
    const relay = await gpio.open(22, { direction: 'out' });
    expect(await relay.read()).toBe(0);
    await relay.write(1);
    expect(await relay.read()).toBe(1);
    await relay.write(0);
    expect(relay.writes).toEqual([1, 0]);
    const input = await gpio.open(23, { direction: 'in' });
    await expect(input.write(1)).rejects.toThrow(/GPIO_DIRECTION/);
  });

  it('clears its timers on close and reports nothing after', async () => {
    const { line, edges } = await openLine({ toggle: '1s', pulses: { every: '300ms' } }, { direction: 'in', edge: 'both', debounceMs: 20 });
    await vi.advanceTimersByTimeAsync(1_010);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    await line.close();
    expect(vi.getTimerCount()).toBe(0);
    const seen = edges.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(edges).toHaveLength(seen);
    await expect(line.read()).rejects.toThrow(/GPIO_CLOSED/);
  });

  it('never keeps the process alive: script timers are unref-ed', async () => {
    vi.useRealTimers();
    const before = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const { line } = await openLine({ toggle: '30s', pulses: { every: '1s' } }, { direction: 'in', edge: 'both', debounceMs: 20 });
    line.drive(1);
    expect(process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length).toBe(before);
    await line.close();
  });
});
