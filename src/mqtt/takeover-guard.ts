// Two devices with one client id (SD cards cloned from one image): the broker drops one whenever
// the other connects, forever. This module tells that apart from an ordinary flaky link: the broker
// says so (MQTT 5 DISCONNECT reason code 0x8E, "session taken over"), or the broker closes the link
// within seconds of every connect several times in a row, each reconnect getting in at once (a
// flaky network shows failed attempts or socket errors instead). A reset does not always surface as
// a socket error (measured on loopback: about 1 in 7 resets mid-packet reads as a clean end of
// stream in Node), so a link that reset within the last minute is a flaky link, and its clean quick
// cuts are blamed on it rather than on a clone. While it is suspected, reconnects
// back off to minutes instead of fighting; a session that stays up long enough clears it.

/** MQTT 5 DISCONNECT reason code: another connection with the same client id took the session over. */
export const SESSION_TAKEN_OVER = 0x8e;

export interface Takeover {
  clientId: string;
  /** Epoch ms when it was detected. */
  since: number;
  /** How it was recognised. */
  reason: string;
  /** What to do, in one sentence. */
  advice: string;
}

export interface TakeoverOptions {
  /** A session shorter than this counts as a quick cut (default 10 s). */
  quickCutMs?: number;
  /** This many quick cuts in a row mean a takeover (default 3). */
  cutsInARow?: number;
  /** Back-off while suspected: from min, doubling to max, with jitter (defaults 60 s, 10 min). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Clean quick cuts within this long of a socket error are the flaky link's, not a clone's (default 60 s). */
  resetQuietMs?: number;
  /** A session that lasts this long clears the suspicion (default 15 min, longer than backoffMaxMs). */
  stableMs?: number;
  now?: () => number;
  random?: () => number;
}

export type CloseVerdict = 'detected' | 'cleared' | null;

export const TAKEOVER_ADVICE =
  'another device connects with the same MQTT client id (a cloned SD card?): give each device its own, e.g. mqtt.clientId: "sensor-agent-{hardwareId}" (from the Pi serial or /etc/machine-id), or set device.id per device';

export class TakeoverGuard {
  private readonly quickCutMs: number;
  private readonly cutsInARow: number;
  private readonly backoffMinMs: number;
  private readonly backoffMaxMs: number;
  private readonly stableMs: number;
  private readonly resetQuietMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private connectedAt: number | null = null;
  private takenOver = false;
  private quickCuts = 0;
  private lastResetAt = -Infinity;
  private level = 0;
  private active: Takeover | null = null;

  constructor(
    private readonly clientId: string,
    options: TakeoverOptions = {},
  ) {
    this.quickCutMs = options.quickCutMs ?? 10_000;
    this.cutsInARow = options.cutsInARow ?? 3;
    this.backoffMinMs = options.backoffMinMs ?? 60_000;
    this.backoffMaxMs = options.backoffMaxMs ?? 600_000;
    this.stableMs = options.stableMs ?? 900_000;
    this.resetQuietMs = options.resetQuietMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** The takeover suspected now, or null. */
  get current(): Takeover | null {
    return this.active;
  }

  connected(): void {
    this.connectedAt = this.now();
    this.takenOver = false;
  }

  /** The broker sent DISCONNECT (MQTT 5) with this reason code. */
  serverDisconnect(reasonCode: number | undefined): void {
    if (reasonCode === SESSION_TAKEN_OVER) this.takenOver = true;
  }

  /**
   * A connect attempt failed (refused, no CONNACK): the link or the broker is away, which a clone
   * taking the session over never causes (its broker is there, and every reconnect gets in at once).
   * The count of quick cuts starts again.
   */
  attemptFailed(): void {
    this.quickCuts = 0;
  }

  /**
   * The link closed; `clean` when no socket error came first (the broker closed it, as Mosquitto
   * 2.0 closes the older of two sessions with one client id; a reset or a timeout is the network).
   * 'detected' once when a takeover becomes suspected, 'cleared' once when it ends.
   */
  closed(how: { clean: boolean } = { clean: true }): CloseVerdict {
    if (this.connectedAt === null) return null; // a connect attempt that failed: not a cut
    const lastedMs = this.now() - this.connectedAt;
    this.connectedAt = null;
    if (this.takenOver) return this.suspect('the broker said "session taken over" (MQTT 5 reason code 0x8E)');
    if (!how.clean) this.lastResetAt = this.now();
    if (lastedMs < this.quickCutMs && (!how.clean || this.now() - this.lastResetAt < this.resetQuietMs)) {
      this.quickCuts = 0;
      return null;
    }
    if (lastedMs < this.quickCutMs) {
      this.quickCuts++;
      if (this.quickCuts >= this.cutsInARow) return this.suspect(`the link was cut within ${Math.round(this.quickCutMs / 1000)} s of each of the last ${this.quickCuts} connects`);
      return null;
    }
    this.quickCuts = 0;
    if (this.active === null || lastedMs < this.stableMs) return null;
    this.active = null;
    this.level = 0;
    return 'cleared';
  }

  /** The delay before the next connect: the usual one, or minutes while a takeover is suspected. */
  retryDelayMs(usualMs: number): number {
    if (this.active === null) return usualMs;
    const ceiling = Math.min(this.backoffMaxMs, this.backoffMinMs * 2 ** this.level);
    this.level = Math.min(this.level + 1, 30);
    // Jitter: two clones backing off in step would meet again at every retry.
    return Math.max(usualMs, Math.round(ceiling / 2 + (this.random() * ceiling) / 2));
  }

  private suspect(reason: string): CloseVerdict {
    if (this.active !== null) return null;
    this.active = { clientId: this.clientId, since: this.now(), reason, advice: TAKEOVER_ADVICE };
    return 'detected';
  }
}
