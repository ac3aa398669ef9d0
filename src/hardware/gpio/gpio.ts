// A GPIO line as drivers see it. Config names lines by BCM number; the real adapters (the GPIO
// character device, or onoff over sysfs) find the Pi's main controller, the simulated one plays
// scripted levels.

/** `hardware.gpio`: how real lines are reached (gpio-backend.ts). */
export const GPIO_BACKENDS = ['auto', 'cdev', 'sysfs'] as const;
export type GpioBackendSetting = (typeof GPIO_BACKENDS)[number];

export type Edge = 'none' | 'rising' | 'falling' | 'both';
export type Level = 0 | 1;

export interface GpioLineOptions {
  direction: 'in' | 'out';
  edge?: Edge;
  /** Levels are inverted (a contact to ground reads 1 when closed). */
  activeLow?: boolean;
  debounceMs?: number;
  /**
   * An output's logical level from the moment the line is requested (the kernel sets it with the
   * direction, so the line never shows the other level in between). Default 0.
   */
  initial?: Level;
}

export interface GpioLine {
  /** BCM number, as in the config. */
  readonly pin: number;
  read(): Promise<Level>;
  write(value: Level): Promise<void>;
  /**
   * A synchronous write, for the process's last moment (an `exit` handler cannot wait): outputs
   * use it to reach their safe state when the agent exits on a fatal error.
   */
  writeSync?(value: Level): void;
  /**
   * Called on every (debounced) edge the line was opened for, with the new level. `lost` is how
   * many edges the kernel dropped just before this one (its event FIFO overflowed), known only
   * when `queuesEvents`; otherwise 0.
   */
  watch(listener: (level: Level, ts: number, lost: number) => void): void;
  /**
   * True when the kernel queues every edge with a sequence number (character device): nothing is
   * folded, and overflows are reported as `lost`. sysfs folds edges into one wake-up: false.
   */
  readonly queuesEvents?: boolean;
  /** Releases the line (unexport), also after errors: a restart must find it free. */
  close(): Promise<void>;
}

export interface GpioProvider {
  open(pin: number, options: GpioLineOptions): Promise<GpioLine>;
}
