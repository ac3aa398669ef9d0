// Simulated GPIO lines, played from `simulate.gpio.<pin>` scripts (simulated-gpio-script.ts).
// An input line behaves like a sysfs line through onoff: read() gives the current level, watch()
// reports edges of the kind the line was opened for, after the level has been stable for the
// debounce time, and activeLow inverts both. Output lines keep what was written. Script timers are
// unref'd (a simulated door never keeps the process alive) and cleared on close. Tests drive the
// wire directly with `drive()` to play contact bounce and short pulses.
import type { Edge, GpioLine, GpioLineOptions, GpioProvider, Level } from './gpio.js';
import { GpioError } from './gpio-chip-base.js';
import type { SimulatedGpioScript } from './simulated-gpio-script.js';

type Listener = (level: Level, ts: number, lost: number) => void;

const IDLE_SCRIPT: SimulatedGpioScript = { level: 0 };

function flip(level: Level): Level {
  return level === 1 ? 0 : 1;
}

function edgeReports(edge: Edge, level: Level): boolean {
  return edge === 'both' || (edge === 'rising' && level === 1) || (edge === 'falling' && level === 0);
}

export class SimulatedGpioLine implements GpioLine {
  /** Level on the wire (before activeLow). */
  private wire: Level;
  /** Last level written to an output line (as written, i.e. logical). */
  private written: Level = 0;
  /** Last debounced logical level, the reference for the next edge. */
  private settled: Level;
  private readonly listeners: Listener[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private debounceTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Every value written to an output line, oldest first. */
  readonly writes: Level[] = [];

  constructor(
    readonly pin: number,
    private readonly options: GpioLineOptions,
    script: SimulatedGpioScript,
  ) {
    this.wire = script.level;
    this.settled = this.logical();
    if (options.direction !== 'in') {
      this.written = options.initial ?? 0;
      return;
    }
    if (script.toggle !== undefined) this.every(script.toggle, () => this.drive(flip(this.wire)));
    const pulses = script.pulses;
    if (pulses) {
      this.every(pulses.everyMs, () => {
        const rest = this.wire;
        this.drive(flip(rest));
        this.after(pulses.widthMs, () => this.drive(rest));
      });
    }
  }

  /** The level on the wire: what an input sees, or what an output drives (activeLow applied). */
  get wireLevel(): Level {
    if (this.options.direction === 'in') return this.wire;
    return this.options.activeLow === true ? flip(this.written) : this.written;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Puts `level` on the wire, as the outside world would. */
  drive(level: Level): void {
    if (this.closed || this.options.direction !== 'in' || level === this.wire) return;
    this.wire = level;
    const debounceMs = this.options.debounceMs ?? 0;
    if (debounceMs <= 0) {
      this.settle();
      return;
    }
    if (this.debounceTimer) this.clear(this.debounceTimer);
    this.debounceTimer = this.after(debounceMs, () => {
      this.debounceTimer = null;
      this.settle();
    });
  }

  async read(): Promise<Level> {
    this.assertOpen();
    return this.options.direction === 'out' ? this.written : this.logical();
  }

  async write(value: Level): Promise<void> {
    this.assertOpen();
    if (this.options.direction !== 'out') throw new GpioError('GPIO_DIRECTION', `BCM ${this.pin} is an input; it cannot be written`);
    this.written = value;
    this.writes.push(value);
  }

  writeSync(value: Level): void {
    if (this.closed || this.options.direction !== 'out') return;
    this.written = value;
    this.writes.push(value);
  }

  watch(listener: Listener): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.debounceTimer = null;
    this.listeners.length = 0;
  }

  private logical(): Level {
    return this.options.activeLow === true ? flip(this.wire) : this.wire;
  }

  private settle(): void {
    const level = this.logical();
    if (level === this.settled) return; // bounced back within the debounce time: no edge
    this.settled = level;
    if (!edgeReports(this.options.edge ?? 'none', level)) return;
    const ts = Date.now();
    for (const listener of [...this.listeners]) listener(level, ts, 0);
  }

  private assertOpen(): void {
    if (this.closed) throw new GpioError('GPIO_CLOSED', `simulated BCM ${this.pin} is closed`);
  }

  private every(ms: number, action: () => void): void {
    const timer = setInterval(action, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private after(ms: number, action: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    timer.unref();
    this.timers.add(timer);
    return timer;
  }

  private clear(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }
}

export interface SimulatedGpioProvider extends GpioProvider {
  open(pin: number, options: GpioLineOptions): Promise<SimulatedGpioLine>;
  /** The line last opened on `pin` (tests drive it). */
  line(pin: number): SimulatedGpioLine | undefined;
}

/** Lines for the scripted pins; a pin without a script idles at level 0. */
export function createSimulatedGpio(scripts: ReadonlyMap<number, SimulatedGpioScript>): SimulatedGpioProvider {
  const opened = new Map<number, SimulatedGpioLine>();
  return {
    open: async (pin, options) => {
      const line = new SimulatedGpioLine(pin, options, scripts.get(pin) ?? IDLE_SCRIPT);
      opened.set(pin, line);
      return line;
    },
    line: (pin) => opened.get(pin),
  };
}
