// Reconnect delays: exponential with full jitter, so a fleet that lost its broker together does not
// come back in step. Attempt n waits a random time in [minMs/2, min(maxMs, FLEET_SPREAD * minMs * 2^n)].
//
// Why the first window is wide (15 x minMs, 0.5-15 s with the defaults) and not 2 x minMs: devices
// cannot coordinate, so a fleet that lost the broker together comes back as independent samples of
// this distribution; for no one-second window to hold more than 20% of 100 devices' first
// reconnects, the window must be ~15 s wide (test/mqtt/backoff.test.ts, test/faults/network). A
// single device pays for it: ~8 s on average to come back after a broker blip; its readings wait
// in the buffer meanwhile, nothing is lost. The cap (maxMs) still bounds every wait.
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** No delay is shorter than this (a broker's CONNECT rate per client id: AWS IoT Core takes one a second). */
  floorMs?: number;
}

/** The first attempt's window is this many minMs wide. */
export const FLEET_SPREAD = 15;

export class ReconnectBackoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next attempt; every call doubles the window until it reaches maxMs. */
  next(): number {
    const { minMs, maxMs } = this.options;
    const least = this.options.floorMs ?? 0;
    const cap = Math.max(least, Math.min(maxMs, minMs * FLEET_SPREAD * 2 ** this.attempt));
    // The floor keeps a device from hammering a broker that refuses at once.
    const floor = Math.max(least, Math.min(minMs / 2, cap));
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(floor + this.random() * (cap - floor));
  }

  reset(): void {
    this.attempt = 0;
  }
}
