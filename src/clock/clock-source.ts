// The small interface between the agent and whatever knows whether the system clock is
// synchronized: the kernel's NTP state in production (system-clock-source.ts), a fake in tests.

export interface ClockReading {
  /** true: synchronized; false: known not to be; null: nothing on this host can tell. */
  synchronized: boolean | null;
  /** What said so: `timesyncd`, `kernel (timedatectl)`, `kernel (adjtimex)`, or `none`. */
  source: string;
  /** Epoch ms since when it is synchronized, when the source knows (timesyncd's flag file). */
  since?: number;
}

export interface ClockSource {
  read(): Promise<ClockReading>;
  /**
   * Calls `listener` when the state may have changed (a source that can tell: timesyncd's flag
   * file appearing), so the change is seen at once rather than at the next poll. Returns the
   * unsubscribe. Optional: polling alone is enough.
   */
  watch?(listener: () => void): () => void;
}
