// The character-device adapter against a fake of our binding (test/helpers/fake-gpio-cdev.ts):
// what it asks the kernel for, edges to levels and times, sequence gaps to lost edges, errno to
// GpioError, and debounce in userspace when the kernel refuses it. The binding itself runs on a
// real kernel in the real-kernel tier (test/hil/gpio.test.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCdevGpio, EVENT_BUFFER_SIZE, lostBetween, type EventClock } from '../../src/hardware/gpio/gpio-cdev.js';
import type { Level } from '../../src/hardware/gpio/gpio.js';
import { errnoError, fakeCdev } from '../helpers/fake-gpio-cdev.js';

const CHIP = { path: '/dev/gpiochip0', label: 'pinctrl-bcm2711', lines: 58 };
// Monotonic 5 s after boot is epoch 1,764,000,000,000 ms.
const clock: EventClock = { monotonicNs: () => 5_000_000_000n, epochMs: () => 1_764_000_000_000 };

function setup() {
  const addon = fakeCdev({ [CHIP.path]: { name: 'gpiochip0', label: CHIP.label, lines: CHIP.lines } });
  const gpio = createCdevGpio({ addon, chip: { chip: CHIP }, clock });
  return { addon, gpio };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('GPIO character device adapter', () => {
  it('requests BCM N as line N of the main controller, edges and debounce done by the kernel, with a large event buffer', async () => {
    const { addon, gpio } = setup();
    await gpio.open(17, { direction: 'in', edge: 'falling', activeLow: true, debounceMs: 20 });
    expect(addon.requests).toEqual([
      expect.objectContaining({ path: '/dev/gpiochip0', offset: 17, request: { edge: 2, activeLow: true, eventBufferSize: EVENT_BUFFER_SIZE, debounceUs: 20_000 } }),
    ]);
  });

  it('maps rising events to 1 and falling to 0, stamped with the kernel time of the edge in epoch ms', async () => {
    const { addon, gpio } = setup();
    const line = await gpio.open(17, { direction: 'in', edge: 'both', debounceMs: 0 });
    const seen: Array<[Level, number, number]> = [];
    line.watch((level, ts, lost) => seen.push([level, ts, lost]));
    addon.emit(17, [
      { edge: 'rising', timestampNs: 4_990_000_000n, lineSeqno: 1 },
      { edge: 'falling', timestampNs: 4_995_500_000n, lineSeqno: 2 },
    ]);
    expect(seen).toEqual([
      [1, 1_763_999_999_990, 0],
      [0, 1_763_999_999_996, 0],
    ]);
    expect(line.queuesEvents).toBe(true);
  });

  it('reports the edges a full kernel FIFO dropped from the gap in line_seqno, once, with the next event', async () => {
    const { addon, gpio } = setup();
    const line = await gpio.open(27, { direction: 'in', edge: 'rising', debounceMs: 0 });
    const lost: number[] = [];
    line.watch((_level, _ts, dropped) => lost.push(dropped));
    addon.emit(27, [{ lineSeqno: 1 }, { lineSeqno: 2 }]);
    // The FIFO held 1,024 and dropped the oldest: numbers 3-665 never arrive.
    addon.emit(27, [{ lineSeqno: 666 }, { lineSeqno: 667 }]);
    expect(lost).toEqual([0, 0, 663, 0]);
  });

  it('counts a gap before the very first event (the FIFO overflowed before the agent read anything)', async () => {
    const { addon, gpio } = setup();
    const line = await gpio.open(27, { direction: 'in', edge: 'rising', debounceMs: 0 });
    const lost: number[] = [];
    line.watch((_level, _ts, dropped) => lost.push(dropped));
    addon.emit(27, [{ lineSeqno: 4 }]);
    expect(lost).toEqual([3]);
  });

  it('takes the 32-bit sequence number wrapping around as continuous', () => {
    expect(lostBetween(0xffff_ffff, 0)).toBe(0);
    expect(lostBetween(0xffff_fffe, 1)).toBe(2);
    expect(lostBetween(10, 11)).toBe(0);
    expect(lostBetween(10, 9)).toBe(0);
  });

  it('debounces in userspace when the kernel refuses the debounce attribute', async () => {
    vi.useFakeTimers();
    const { addon, gpio } = setup();
    addon.refuse.push((request) => ((request.debounceUs ?? 0) > 0 ? errnoError('EINVAL') : null));
    const line = await gpio.open(17, { direction: 'in', edge: 'both', debounceMs: 20 });
    expect(addon.requests.map((request) => request.request.debounceUs)).toEqual([0]);
    const levels: Level[] = [];
    line.watch((level) => levels.push(level));
    // A 5 ms bounce: nothing; a change that stays: one reading, once the line is quiet.
    addon.line(17).value = 1;
    addon.emit(17, [{ edge: 'rising', lineSeqno: 1 }]);
    await vi.advanceTimersByTimeAsync(5);
    addon.line(17).value = 0;
    addon.emit(17, [{ edge: 'falling', lineSeqno: 2 }]);
    await vi.advanceTimersByTimeAsync(30);
    expect(levels).toEqual([]);
    addon.line(17).value = 1;
    addon.emit(17, [{ edge: 'rising', lineSeqno: 3 }]);
    await vi.advanceTimersByTimeAsync(19);
    expect(levels).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(levels).toEqual([1]);
    await line.close();
  });

  it('opens outputs low, writes and reads them back, and releases the line on close', async () => {
    const { addon, gpio } = setup();
    const line = await gpio.open(22, { direction: 'out' });
    expect(addon.line(22).request).toEqual({ output: true, value: 0, activeLow: false });
    await line.write(1);
    expect(await line.read()).toBe(1);
    await line.close();
    await line.close();
    expect(addon.requests[0]?.closed).toBe(true);
    // Released: the line can be requested again at once.
    await expect(gpio.open(22, { direction: 'out' })).resolves.toBeDefined();
  });

  it('names the errors: busy, permission, pin range, others with the kernel message', async () => {
    const { addon, gpio } = setup();
    await gpio.open(17, { direction: 'in', edge: 'both' });
    await expect(gpio.open(17, { direction: 'in', edge: 'both' })).rejects.toMatchObject({ code: 'GPIO_BUSY', message: expect.stringContaining('BCM 17 (/dev/gpiochip0 line 17) is in use') });
    addon.refuse.push(() => errnoError('EACCES'));
    await expect(gpio.open(5, { direction: 'in' })).rejects.toMatchObject({ code: 'GPIO_ACCESS', message: expect.stringContaining('gpio group') });
    addon.refuse.push(() => errnoError('EIO', 'GPIO_V2_GET_LINE_IOCTL: Input/output error'));
    await expect(gpio.open(6, { direction: 'in' })).rejects.toMatchObject({ code: 'GPIO_OPEN_FAILED', message: expect.stringContaining('Input/output error') });
    await expect(gpio.open(58, { direction: 'in' })).rejects.toMatchObject({ code: 'GPIO_PIN_RANGE', message: expect.stringContaining('lines 0-57') });
  });

  it('turns a read of a closed line into a GpioError', async () => {
    const { gpio } = setup();
    const line = await gpio.open(4, { direction: 'in' });
    await line.close();
    await expect(line.read()).rejects.toMatchObject({ code: 'GPIO_OPEN_FAILED' });
  });
});
