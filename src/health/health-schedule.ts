// When a health message goes: at once when the link comes up (nothing was kept for it while it
// was down), every intervalMs after the last one, and when the state changed (stateKey() says
// something else than it said for the last message), but then at most one per minGapMs: a
// flapping sensor costs one message per gap with its latest state, not one per flap. State
// changes are looked at checkDelayMs after the first of a burst (the hub changes at every
// reading; the key is computed a few times a second at most). Nothing runs while the link is down.

export interface HealthScheduleOptions {
  intervalMs: number;
  /** What the message would say about the state, as a comparable text. */
  stateKey(): string;
  /** Makes and sends one message (never rejects). */
  publish(): Promise<void>;
  minGapMs?: number;
  checkDelayMs?: number;
  now?: () => number;
}

export const HEALTH_MIN_GAP_MS = 5000;
const CHECK_DELAY_MS = 250;

export class HealthSchedule {
  private live = false;
  private lastKey: string | null = null;
  private lastAt = Number.NEGATIVE_INFINITY;
  private periodic: NodeJS.Timeout | null = null;
  private pendingChange: NodeJS.Timeout | null = null;
  private pendingCheck: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;
  private again = false;
  private readonly minGapMs: number;
  private readonly checkDelayMs: number;
  private readonly now: () => number;
  /** Messages started since start (tests, the bench). */
  sent = 0;

  constructor(private readonly options: HealthScheduleOptions) {
    this.minGapMs = options.minGapMs ?? HEALTH_MIN_GAP_MS;
    this.checkDelayMs = options.checkDelayMs ?? CHECK_DELAY_MS;
    this.now = options.now ?? Date.now;
  }

  /** The link is up: a fresh message now, then the schedule runs. */
  connected(): void {
    this.live = true;
    this.send();
  }

  /** The link is down: nothing is sent or kept until it is up again. */
  disconnected(): void {
    this.live = false;
    this.again = false;
    this.clearTimers();
  }

  /** Something in the agent changed: a message goes if the state it shows is different. */
  changed(): void {
    if (!this.live || this.pendingCheck !== null) return;
    this.pendingCheck = setTimeout(() => {
      this.pendingCheck = null;
      if (this.options.stateKey() !== this.lastKey) this.request();
    }, this.checkDelayMs);
    this.pendingCheck.unref();
  }

  /** A change the state key does not show (the buffer started dropping): a message goes, within the gap. */
  nudge(): void {
    if (this.live) this.request();
  }

  /** Nothing more starts. A message in flight is not waited for: its PUBACK may never come on a dead link (the publisher's stop bounds that wait). */
  stop(): void {
    this.disconnected();
  }

  private request(): void {
    if (this.pendingChange !== null) return;
    const wait = this.lastAt + this.minGapMs - this.now();
    if (wait <= 0) return this.send();
    this.pendingChange = setTimeout(() => this.send(), wait);
    this.pendingChange.unref();
  }

  private send(): void {
    if (!this.live) return;
    this.clearTimers();
    this.periodic = setTimeout(() => this.send(), this.options.intervalMs);
    this.periodic.unref();
    if (this.sending) {
      this.again = true;
      return;
    }
    this.lastAt = this.now();
    this.lastKey = this.options.stateKey();
    this.sent += 1;
    this.sending = this.options.publish().finally(() => {
      this.sending = null;
      if (this.again && this.live) {
        this.again = false;
        this.request();
      }
    });
  }

  private clearTimers(): void {
    for (const timer of [this.periodic, this.pendingChange, this.pendingCheck]) if (timer !== null) clearTimeout(timer);
    this.periodic = this.pendingChange = this.pendingCheck = null;
  }
}
