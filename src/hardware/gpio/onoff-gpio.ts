// Real GPIO lines: onoff over the kernel's sysfs interface. Owns three things around onoff: the
// BCM → sysfs number (gpio-chip-base.ts), recovering a line a crashed run left exported ("device or
// resource busy": unexport, retry once), and releasing lines on close. onoff (a native epoll addon)
// is imported only when a real line is opened, so simulated runs never load it; tests inject a fake
// Gpio class through `loadGpio` and run everything but onoff itself against fixture folders.
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Edge, GpioLine, GpioLineOptions, GpioProvider, Level } from './gpio.js';
import { GpioError, chooseMainChip, readGpioChips, sysfsNumberFor, type ChipChoice } from './gpio-chip-base.js';

/** onoff's sysfs root: it is hard-coded there, whatever `hardware.gpioRoot` says. */
export const ONOFF_SYSFS_ROOT = '/sys/class/gpio';

/** The part of onoff's Gpio we use (onoff.d.ts). */
export interface OnoffGpio {
  read(): Promise<Level>;
  write(value: Level): Promise<void>;
  writeSync?(value: Level): void;
  watch(callback: (error: Error | null | undefined, value: Level) => void): void;
  unexport(): void;
}

export interface OnoffGpioClass {
  new (gpio: number, direction: 'in' | 'out' | 'high' | 'low', edge: Edge, options: { activeLow?: boolean; debounceTimeout?: number }): OnoffGpio;
  readonly accessible: boolean;
}

export interface OnoffGpioOptions {
  /** sysfs GPIO root holding gpiochipN/{base,label,ngpio}, export and unexport. */
  sysfsRoot: string;
  /** Where the Gpio class comes from; tests pass a fake. Default: `import('onoff')`. */
  loadGpio?: () => Promise<OnoffGpioClass>;
  /** Non-fatal surprises (a fallback chip choice). Default: process.emitWarning. */
  warn?: (message: string) => void;
}

async function loadOnoff(): Promise<OnoffGpioClass> {
  const onoff = await import('onoff');
  return onoff.Gpio;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

class OnoffLine implements GpioLine {
  private closed = false;

  constructor(
    readonly pin: number,
    private readonly gpio: OnoffGpio,
    /** The level every event means, for a line watching one edge without debounce (see open()). */
    private readonly edgeLevel: Level | null = null,
  ) {}

  read(): Promise<Level> {
    return this.gpio.read();
  }

  write(value: Level): Promise<void> {
    return this.gpio.write(value);
  }

  writeSync(value: Level): void {
    if (!this.closed) this.gpio.writeSync?.(value);
  }

  watch(listener: (level: Level, ts: number, lost: number) => void): void {
    // An epoll error carries no level; the sampler's heartbeat read() surfaces a broken line.
    this.gpio.watch((error, value) => {
      if (!error && !this.closed) listener(this.edgeLevel ?? value, Date.now(), 0);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.gpio.unexport();
  }
}

/**
 * sysfs sets an output's direction and level in one write with `high`/`low`, which are wire levels
 * (onoff writes active_low after the direction): the logical `initial` is turned into the wire level.
 */
export function sysfsDirection(options: GpioLineOptions): 'in' | 'high' | 'low' {
  if (options.direction === 'in') return 'in';
  const wire = (options.initial ?? 0) ^ (options.activeLow === true ? 1 : 0);
  return wire === 1 ? 'high' : 'low';
}

export function createOnoffGpio(options: OnoffGpioOptions): GpioProvider {
  const root = options.sysfsRoot;
  const loadGpio = options.loadGpio ?? loadOnoff;
  const warn = options.warn ?? ((message: string) => process.emitWarning(message, { code: 'GPIO_SYSFS' }));
  let choice: Promise<ChipChoice> | null = null;
  let warnedRoot = false;

  // The chip layout is fixed while the kernel runs: read once, re-read only after a failure.
  const mainChip = (): Promise<ChipChoice> => {
    if (!choice) {
      choice = readGpioChips(root).then((chips) => {
        const chosen = chooseMainChip(chips, root);
        if (chosen.warning !== undefined) warn(chosen.warning);
        return chosen;
      });
      choice.catch(() => (choice = null));
    }
    return choice;
  };

  const unexport = async (sysfsNumber: number): Promise<void> => {
    try {
      await writeFile(join(root, 'unexport'), String(sysfsNumber));
    } catch {
      // Not exported (EINVAL) or not ours to release: the retry's own error says what is wrong.
    }
  };

  return {
    open: async (pin: number, lineOptions: GpioLineOptions): Promise<GpioLine> => {
      const { sysfsNumber } = sysfsNumberFor(await mainChip(), pin);
      const Gpio = await loadGpio();
      if (!Gpio.accessible) {
        throw new GpioError('GPIO_ACCESS', `cannot write ${ONOFF_SYSFS_ROOT}/export (run the agent as root or as a user in the gpio group)`);
      }
      if (!warnedRoot && resolve(root) !== ONOFF_SYSFS_ROOT) {
        warnedRoot = true;
        warn(`GPIO: hardware.gpioRoot is ${root}, but onoff always uses ${ONOFF_SYSFS_ROOT}; the chip bases are read from ${root}`);
      }
      const edge: Edge = lineOptions.direction === 'in' ? (lineOptions.edge ?? 'none') : 'none';
      const onoffOptions = { activeLow: lineOptions.activeLow ?? false, debounceTimeout: lineOptions.debounceMs ?? 0 };
      const where = `BCM ${pin} (sysfs gpio${sysfsNumber})`;
      // onoff reports an event only when the level it reads afterwards matches the edge, so a pulse
      // that ends before the handler runs (5 ms at 100 pulses/s, less than a busy event loop's
      // latency) is lost. Without debounce every kernel event of a single edge is that edge: onoff
      // is asked for both (it then filters nothing), the kernel for the one edge wanted.
      const edgeLevel: Level | null = onoffOptions.debounceTimeout === 0 && (edge === 'rising' || edge === 'falling') ? (edge === 'rising' ? 1 : 0) : null;
      const construct = async (): Promise<OnoffLine> => {
        const gpio = new Gpio(sysfsNumber, sysfsDirection(lineOptions), edgeLevel === null ? edge : 'both', onoffOptions);
        if (edgeLevel !== null) {
          try {
            await writeFile(join(root, `gpio${sysfsNumber}`, 'edge'), edge);
          } catch (error) {
            gpio.unexport();
            throw error;
          }
        }
        return new OnoffLine(pin, gpio, edgeLevel);
      };
      try {
        try {
          return await construct();
        } catch (error) {
          if (errorCode(error) !== 'EBUSY') throw error;
          // Most likely our own line, left exported by a run that crashed: release it and retry once.
          await unexport(sysfsNumber);
          return await construct();
        }
      } catch (error) {
        const code = errorCode(error);
        if (code === 'EBUSY') {
          throw new GpioError('GPIO_BUSY', `${where} is still busy after unexporting it: another program or a kernel driver (a dtoverlay) holds it`);
        }
        if (code === 'EACCES' || code === 'EPERM') {
          throw new GpioError('GPIO_ACCESS', `${where}: permission denied (add the service user to the gpio group)`);
        }
        throw new GpioError('GPIO_OPEN_FAILED', `${where}: ${(error as Error).message}`);
      }
    },
  };
}
