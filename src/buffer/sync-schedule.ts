// When the buffer forces a synced write (design.md, promise 1): at most every commitIntervalMs,
// and only while a reading written at least one interval ago still waits unacknowledged.
import type { QueueState } from './queue-state.js';

export class SyncSchedule {
  /** Synced writes since start. */
  syncs = 0;
  /** Readings were written since the last synced write. */
  unsyncedPuts = false;
  private timer: NodeJS.Timeout | null = null;
  /** Highest seq written when the timer was armed: only waiting readings up to it need the sync. */
  private armSeq = 0;

  constructor(
    private readonly intervalMs: number,
    /** The queue's counters, or null once the buffer is stopped. */
    private readonly state: () => QueueState | null,
    private readonly requestSync: () => void,
  ) {}

  /** A batch was written. */
  written(synced: boolean, puts: number, durableSeq: number): void {
    if (synced) {
      this.syncs++;
      this.unsyncedPuts = false;
    } else if (puts > 0) {
      this.unsyncedPuts = true;
      if (this.timer === null) this.arm(durableSeq);
    }
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(upToSeq: number): void {
    this.armSeq = upToSeq;
    this.timer = setTimeout(() => this.due(), this.intervalMs);
  }

  /**
   * Syncs only when a reading written before the timer was armed (so at least one commitInterval
   * ago) still waits. Readings written since, on a healthy link, are usually acked before their own
   * interval is up: they get a timer of their own instead of an fsync now. So a connected device
   * whose sensor interval divides commitInterval does not sync on every tick.
   */
  private due(): void {
    this.timer = null;
    const state = this.state();
    if (state === null || state.count === 0 || !this.unsyncedPuts) return;
    if (state.firstSeq <= this.armSeq) this.requestSync();
    else this.arm(state.durableSeq);
  }
}
