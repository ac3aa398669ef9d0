// The two rate limits around output commands. CommandGate: at most one command per output per
// interval (100 ms), so a flood cannot chatter a relay. LogThrottle: one log line per kind of
// refusal per window, the next line saying how many were not logged, so a flood cannot fill the
// journal either. Both take an injected clock; both keep O(outputs + kinds) state.

export const COMMAND_INTERVAL_MS = 100;
export const LOG_WINDOW_MS = 10_000;

export class CommandGate {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs = COMMAND_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** True (and the time noted) when `key` had no command within the interval. */
  allow(key: string): boolean {
    const time = this.now();
    const previous = this.last.get(key);
    if (previous !== undefined && time - previous < this.intervalMs) return false;
    this.last.set(key, time);
    return true;
  }
}

export class LogThrottle {
  private readonly windows = new Map<string, { openedAt: number; suppressed: number }>();

  constructor(
    private readonly windowMs = LOG_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** null: do not log this one; a number: log it, and say that many were left out before it. */
  admit(kind: string): number | null {
    const time = this.now();
    const window = this.windows.get(kind);
    if (window !== undefined && time - window.openedAt < this.windowMs) {
      window.suppressed += 1;
      return null;
    }
    this.windows.set(kind, { openedAt: time, suppressed: 0 });
    return window?.suppressed ?? 0;
  }
}
