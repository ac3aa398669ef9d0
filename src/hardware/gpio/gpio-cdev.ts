// Real GPIO lines over the kernel's GPIO character device (uAPI v2) through our native binding
// (gpio-cdev-addon.ts says why native). Owns: requesting a line (edges filtered, active-low and
// debounce done by the kernel, a 1,024-event FIFO), turning kernel events into levels and epoch
// timestamps, counting the events a full FIFO dropped from gaps in line_seqno, and errno → GpioError
// with a fix. The kernel releases a line when its fd closes, also after kill -9: nothing to clean up.
import type { Edge, GpioLine, GpioLineOptions, GpioProvider, Level } from './gpio.js';
import type { CdevAddon, CdevLineEvent, CdevLineHandle, CdevLineRequest } from './gpio-cdev-addon.js';
import type { CdevChipChoice } from './gpio-cdev-chips.js';
import { GpioError } from './gpio-chip-base.js';
import { createDebouncer, type Debouncer } from './gpio-debounce.js';

/** Events the kernel keeps per line while the agent is busy (its cap on 6.x: 16 x 64 lines). */
export const EVENT_BUFFER_SIZE = 1024;
const EDGE_FLAGS: Record<Edge, 0 | 1 | 2 | 3> = { none: 0, rising: 1, falling: 2, both: 3 };
/** errno codes with which a kernel turns down the debounce attribute. */
const DEBOUNCE_REFUSED = new Set(['EINVAL', 'EOPNOTSUPP', 'ENOTSUP', 'ENOSYS']);

/** Maps the kernel's CLOCK_MONOTONIC event stamps to epoch ms (Node's hrtime is CLOCK_MONOTONIC). */
export interface EventClock {
  monotonicNs(): bigint;
  epochMs(): number;
}
const systemClock: EventClock = { monotonicNs: () => process.hrtime.bigint(), epochMs: () => Date.now() };

export interface CdevGpioOptions {
  addon: CdevAddon;
  chip: CdevChipChoice;
  clock?: EventClock;
  /**
   * Called when the kernel says a line is busy: releases it if sysfs still holds it (a leftover
   * export, sysfs-leftover.ts) and says so; the request is then tried once more.
   */
  releaseBusy?: (pin: number) => Promise<boolean>;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function gpioError(error: unknown, where: string): GpioError {
  const code = errorCode(error);
  const message = (error as Error).message;
  if (code === 'EBUSY') {
    return new GpioError('GPIO_BUSY', `${where} is in use: another program, a sysfs export (echo N > /sys/class/gpio/unexport) or a kernel driver (a dtoverlay) holds it`);
  }
  if (code === 'EACCES' || code === 'EPERM') return new GpioError('GPIO_ACCESS', `${where}: permission denied (add the service user to the gpio group)`);
  return new GpioError('GPIO_OPEN_FAILED', `${where}: ${message}`);
}

/** Gap between two per-line sequence numbers (u32, wrapping): the events the kernel dropped. */
export function lostBetween(previous: number, current: number): number {
  const gap = (current - previous - 1) >>> 0;
  // A number going backwards is not an overflow (it cannot happen on one request): report none.
  return gap >= 0x8000_0000 ? 0 : gap;
}

class CdevLine implements GpioLine {
  readonly queuesEvents = true;
  private closed = false;
  private watching = false;
  private lastLineSeqno = 0;
  private readonly listeners: Array<(level: Level, ts: number, lost: number) => void> = [];
  private debouncer: Debouncer | null = null;

  constructor(
    readonly pin: number,
    private readonly addon: CdevAddon,
    private readonly handle: CdevLineHandle,
    private readonly where: string,
    private readonly clock: EventClock,
    /** Set when the kernel refused the debounce attribute: debounce here instead. */
    private readonly userDebounce: { periodMs: number; edge: Exclude<Edge, 'none'> } | null,
  ) {}

  private readLevel(): Level {
    return this.addon.getValue(this.handle) === 1 ? 1 : 0;
  }

  async read(): Promise<Level> {
    try {
      return this.readLevel();
    } catch (error) {
      throw gpioError(error, this.where);
    }
  }

  async write(value: Level): Promise<void> {
    try {
      this.addon.setValue(this.handle, value);
    } catch (error) {
      throw gpioError(error, this.where);
    }
  }

  writeSync(value: Level): void {
    if (!this.closed) this.addon.setValue(this.handle, value);
  }

  watch(listener: (level: Level, ts: number, lost: number) => void): void {
    this.listeners.push(listener);
    if (this.watching || this.closed) return;
    this.watching = true;
    if (this.userDebounce) {
      this.debouncer = createDebouncer({
        ...this.userDebounce,
        initial: this.readLevel(),
        readLevel: () => this.readLevel(),
        deliver: (level, ts, lost) => this.deliver(level, ts, lost),
      });
    }
    this.addon.watch(this.handle, (events) => this.onEvents(events));
  }

  private onEvents(events: readonly CdevLineEvent[]): void {
    if (this.closed) return;
    const nowNs = this.clock.monotonicNs();
    const nowMs = this.clock.epochMs();
    for (const event of events) {
      const lost = lostBetween(this.lastLineSeqno, event.lineSeqno);
      this.lastLineSeqno = event.lineSeqno;
      const ts = Math.round(nowMs - Number(nowNs - event.timestampNs) / 1e6);
      // Active-low is applied by the kernel: a rising event is a logical 0 → 1.
      if (this.debouncer) this.debouncer.edge(ts, lost);
      else this.deliver(event.edge === 'rising' ? 1 : 0, ts, lost);
    }
  }

  private deliver(level: Level, ts: number, lost: number): void {
    for (const listener of this.listeners) listener(level, ts, lost);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.debouncer?.cancel();
    this.addon.close(this.handle);
  }
}

export function createCdevGpio(options: CdevGpioOptions): GpioProvider {
  const { addon, chip: choice } = options;
  const { chip } = choice;
  const clock = options.clock ?? systemClock;
  return {
    open: async (pin: number, lineOptions: GpioLineOptions): Promise<GpioLine> => {
      if (!Number.isInteger(pin) || pin < 0 || pin >= chip.lines) {
        throw new GpioError('GPIO_PIN_RANGE', `BCM pin ${pin} does not exist on ${chip.path} "${chip.label}" (lines 0-${chip.lines - 1})`);
      }
      const where = `BCM ${pin} (${chip.path} line ${pin})`;
      const input = lineOptions.direction === 'in';
      const edge: Edge = input ? (lineOptions.edge ?? 'none') : 'none';
      const debounceMs = input && edge !== 'none' ? (lineOptions.debounceMs ?? 0) : 0;
      const request: CdevLineRequest = input
        ? { edge: EDGE_FLAGS[edge], activeLow: lineOptions.activeLow ?? false, eventBufferSize: EVENT_BUFFER_SIZE, debounceUs: Math.round(debounceMs * 1000) }
        : { output: true, value: lineOptions.initial ?? 0, activeLow: lineOptions.activeLow ?? false };
      const requestOnce = async (): Promise<CdevLineHandle> => {
        try {
          return addon.requestLine(chip.path, pin, request);
        } catch (error) {
          if (errorCode(error) !== 'EBUSY' || !options.releaseBusy || !(await options.releaseBusy(pin))) throw error;
          return addon.requestLine(chip.path, pin, request);
        }
      };
      try {
        return new CdevLine(pin, addon, await requestOnce(), where, clock, null);
      } catch (error) {
        if (debounceMs === 0 || edge === 'none' || !DEBOUNCE_REFUSED.has(errorCode(error) ?? '')) throw gpioError(error, where);
      }
      // This kernel will not debounce the line: ask for the bare edges, debounce them here.
      try {
        const handle = addon.requestLine(chip.path, pin, { ...request, debounceUs: 0 });
        return new CdevLine(pin, addon, handle, where, clock, { periodMs: debounceMs, edge: edge as Exclude<Edge, 'none'> });
      } catch (error) {
        throw gpioError(error, where);
      }
    },
  };
}
