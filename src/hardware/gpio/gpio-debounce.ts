// Debounce in userspace, for character-device lines whose kernel refused the debounce attribute.
// (The kernel usually accepts it: gpiolib debounces in software when the chip cannot.) An edge
// restarts a quiet timer; when the line has been quiet for the period, its level is read once and
// delivered if it is a change the line watches for. Pulses shorter than the period deliver
// nothing. Kernel-reported losses are carried to the next delivery so none goes unreported.
import type { Edge, Level } from './gpio.js';

export interface Debouncer {
  /** One edge from the kernel. */
  edge(ts: number, lost: number): void;
  cancel(): void;
}

export interface DebounceOptions {
  periodMs: number;
  edge: Exclude<Edge, 'none'>;
  /** The level last delivered (or read when the line was opened): `both` delivers only changes. */
  initial: Level;
  readLevel(): Level;
  deliver(level: Level, ts: number, lost: number): void;
}

export function createDebouncer(options: DebounceOptions): Debouncer {
  let timer: NodeJS.Timeout | null = null;
  let delivered = options.initial;
  let lostSince = 0;
  let lastEdgeTs = 0;

  const settle = (): void => {
    timer = null;
    let level: Level;
    try {
      level = options.readLevel();
    } catch {
      // A closed or broken line: the sampler's heartbeat read() reports it.
      return;
    }
    const wanted = options.edge === 'both' ? level !== delivered : level === (options.edge === 'rising' ? 1 : 0);
    if (!wanted) return;
    delivered = level;
    const lost = lostSince;
    lostSince = 0;
    options.deliver(level, lastEdgeTs, lost);
  };

  return {
    edge: (ts, lost) => {
      lostSince += lost;
      lastEdgeTs = ts;
      if (timer) clearTimeout(timer);
      timer = setTimeout(settle, options.periodMs);
    },
    cancel: () => {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
