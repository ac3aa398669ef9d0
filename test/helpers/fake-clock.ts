// The kernel's time state is the hardware here: a ClockSource the test sets (through the same
// interface as the real one, src/clock/system-clock-source.ts), and a wall clock it can step
// against the real monotonic one, as NTP's first step or a power cut's fake-hwclock would.
import type { ClockReading, ClockSource } from '../../src/clock/clock-source.js';

export class FakeClockSource implements ClockSource {
  reads = 0;
  private listeners = new Set<() => void>();

  constructor(private state: ClockReading = { synchronized: false, source: 'fake' }) {}

  read(): Promise<ClockReading> {
    this.reads += 1;
    return Promise.resolve({ ...this.state });
  }

  watch(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes the state and tells the watchers, as timesyncd's flag file appearing would. */
  set(state: Partial<ClockReading>): void {
    this.state = { ...this.state, ...state };
    for (const listener of this.listeners) listener();
  }
}

/** A wall clock `skewMs` away from the real one; setting skewMs steps it. */
export class SteppableWallClock {
  constructor(public skewMs = 0) {}
  readonly now = (): number => Date.now() + this.skewMs;
}
