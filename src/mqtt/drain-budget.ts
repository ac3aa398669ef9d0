// The backlog's share of the link (mqtt.drainRate): a token bucket in readings per second. Live
// readings are never held back, but they spend the budget first; the backlog gets what is left.
export class DrainBudget {
  private tokens: number;
  private last: number;

  /**
   * @param ratePerSecond readings per second, live and backlog together
   * @param capacity most readings saved up while idle (a burst): one second's worth, at least one batch
   */
  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  /** Live readings went out: they use the budget first (down to one burst of debt the backlog repays). */
  spend(readings: number): void {
    this.refill();
    this.tokens = Math.max(-this.capacity, this.tokens - readings);
  }

  /** Backlog readings that may go now, at most `max`, and none unless at least `min` may. */
  take(max: number, min = 1): number {
    this.refill();
    const whole = Math.min(max, Math.floor(this.tokens));
    if (whole < Math.min(min, max) || whole <= 0) return 0;
    this.tokens -= whole;
    return whole;
  }

  /** Returns readings taken but not sent (the backlog had fewer than asked for). */
  refund(readings: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + readings);
  }

  /** Milliseconds until `readings` may go. */
  msUntil(readings: number): number {
    this.refill();
    const missing = Math.min(readings, this.capacity) - this.tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.ratePerSecond);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
  }
}
