// Publishes the broker refused (MQTT 5: a PUBACK or PUBREC reason code >= 0x80, e.g. 0x87 not
// authorized, 0x97 quota exceeded). They are retried on the live connection, oldest seq first,
// after a backoff that doubles per round refused in a row (a round: the refusals that arrive before
// the next retry); while any wait, nothing new is sent, so the readings still leave in seq order.
// A refusal that repeats (REFUSALS_PERSISTENT rounds in a row) is
// logged at error level and shown as the link's error: a technician must fix the broker's side
// (its ACL, its quota), the agent alone cannot.
import type { Logger } from 'pino';
import type { RawReading } from '../buffer/index.js';

/** Refused this many rounds in a row is persistent: logged as an error, shown on the status page. */
export const REFUSALS_PERSISTENT = 3;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 60_000;

/** The last refusal, as /status.json shows it. */
export interface RefusalInfo {
  reasonCode: number;
  reason: string;
  topic: string;
  /** Retry rounds refused in a row, without an accepted publish between them; 0 once one is accepted. */
  inARow: number;
  persistent: boolean;
  at: number;
}

/** A refused publish: its readings (one, or one batch) and how it went out. */
export interface Refused {
  readings: RawReading[];
  batch: boolean;
}

/** The reason code of a publish error when it is a broker refusal, else null (a dropped link). */
export function refusalCode(error: Error | undefined): number | null {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && code >= 0x80 ? code : null;
}

export class RefusalRetry {
  private held: Refused[] = [];
  private timer: NodeJS.Timeout | null = null;
  private due = false;
  /** Retries sent and not settled yet: the hold lasts until they are accepted. */
  private retrying = 0;
  private inARow = 0;
  private persistentLogged = false;
  total = 0;
  last: RefusalInfo | null = null;

  constructor(
    private readonly log: Logger,
    private readonly wake: () => void,
    private readonly onChange: (info: RefusalInfo) => void,
  ) {}

  /** True while refused publishes wait or are being retried: send nothing new meanwhile. */
  get holding(): boolean {
    return this.held.length > 0 || this.retrying > 0;
  }

  refused(item: Refused, reasonCode: number, message: string, topic: string, retry: boolean): void {
    if (retry) this.retrying -= 1;
    this.total += 1;
    // Refusals of publishes already in flight together are one round: no retry came between them.
    const newRound = this.timer === null;
    if (newRound) this.inARow += 1;
    const persistent = this.inARow >= REFUSALS_PERSISTENT;
    const reason = message.replace(/^Publish error: /, '');
    this.last = { reasonCode, reason, topic, inARow: this.inARow, persistent, at: Date.now() };
    const delayMs = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(this.inARow - 1, 20));
    const fields = { reasonCode: hex(reasonCode), reason, topic, seq: item.readings[0]?.seq, retryInMs: delayMs };
    if (!newRound) this.log.debug(fields, 'publish refused in the same round');
    else if (this.inARow === 1) this.log.warn(fields, 'broker refused a publish; retrying it on this connection');
    else if (persistent && !this.persistentLogged) {
      this.persistentLogged = true;
      this.log.error(fields, `broker keeps refusing publishes (${this.inARow} retries in a row): fix the broker's side (ACL, quota); the readings wait in the buffer`);
    } else this.log.debug(fields, 'publish refused again');
    this.held.push(item);
    this.onChange(this.last);
    if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.due = true;
        this.wake();
      }, delayMs);
    }
  }

  /** A retried publish was accepted. */
  accepted(retry: boolean): void {
    if (retry) this.retrying -= 1;
    if (this.inARow === 0) return;
    if (this.persistentLogged) this.log.info({ after: this.inARow }, 'broker accepts publishes again');
    this.inARow = 0;
    this.persistentLogged = false;
    if (this.last) {
      this.last = { ...this.last, inARow: 0, persistent: false };
      this.onChange(this.last);
    }
  }

  /** The refused publishes to send again now (oldest seq first), at most `room`; none before the backoff ended. */
  take(room: number): Refused[] {
    if (!this.due || room <= 0) return [];
    this.held.sort((a, b) => a.readings[0]!.seq - b.readings[0]!.seq);
    const now = this.held.splice(0, room);
    if (this.held.length === 0) this.due = false;
    this.retrying += now.length;
    return now;
  }

  /** The connection is gone: what was held is still in the buffer and is read again on the next one. */
  reset(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.held = [];
    this.due = false;
    this.retrying = 0;
  }
}

export function hex(code: number): string {
  return `0x${code.toString(16).padStart(2, '0')}`;
}
