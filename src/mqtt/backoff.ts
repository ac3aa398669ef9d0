// Reconnect delays: exponential with full jitter, so a fleet that lost its broker together does not
// come back in step (each attempt waits a random time in [floor, cap], cap doubling up to max).
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
}

export class ReconnectBackoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next attempt; every call widens the window until it reaches maxMs. */
  next(): number {
    const { minMs, maxMs } = this.options;
    // The window of attempt n is [minMs/2, minMs * 2^(n+1)] capped at maxMs: never hammering (floor),
    // and wide enough from the first attempt on that devices restarted together spread out.
    const cap = Math.min(maxMs, minMs * 2 ** (this.attempt + 1));
    const floor = Math.min(minMs / 2, cap);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(floor + this.random() * (cap - floor));
  }

  reset(): void {
    this.attempt = 0;
  }
}
