// A GPIO line as drivers see it. Config names lines by BCM number; the real adapter (onoff over
// sysfs) resolves the kernel's number from the chip base, the simulated one plays scripted levels.

export type Edge = 'none' | 'rising' | 'falling' | 'both';
export type Level = 0 | 1;

export interface GpioLineOptions {
  direction: 'in' | 'out';
  edge?: Edge;
  /** Levels are inverted (a contact to ground reads 1 when closed). */
  activeLow?: boolean;
  debounceMs?: number;
}

export interface GpioLine {
  /** BCM number, as in the config. */
  readonly pin: number;
  read(): Promise<Level>;
  write(value: Level): Promise<void>;
  /** Called on every (debounced) edge the line was opened for, with the new level. */
  watch(listener: (level: Level, ts: number) => void): void;
  /** Releases the line (unexport), also after errors: a restart must find it free. */
  close(): Promise<void>;
}

export interface GpioProvider {
  open(pin: number, options: GpioLineOptions): Promise<GpioLine>;
}
