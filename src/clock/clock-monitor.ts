// What the agent knows about its clock, kept current: whether it is synchronized (polled from a
// ClockSource: every 5 s until it is, every minute after), since when, and whether it stepped
// (the wall clock moved against the monotonic one by more than a second: a backward jump after a
// power cut, an NTP step), logged once per step. Readings are stamped from here (mark()) and
// corrected from here (correct()): the offset between the wall and the monotonic clock of this
// boot, taken while synchronized, turns a marked reading's monotonic time into its true time.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ClockMark } from '../buffer/index.js';
import type { ClockReading, ClockSource } from './clock-source.js';
import { monotonicMs, readBootId } from './boot.js';

/** The year a Pi without a real-time clock cannot be in: it boots at its last shutdown or in 1970. */
export const EARLIEST_PLAUSIBLE_YEAR = 2024;
/** A wall-clock move against the monotonic clock larger than this is a step, not drift or slew. */
export const STEP_THRESHOLD_MS = 1000;

export interface ClockStatus {
  /** The year is 2024 or later. */
  plausible: boolean;
  /** true: synchronized; false: not (readings are marked); null: no source on this host can tell. */
  synchronized: boolean | null;
  /** What said so (ClockReading.source). */
  source: string;
  /** Epoch ms of the last change of `synchronized` (or the source's own since), null before the first read. */
  since: number | null;
  /** Clock steps seen since start, and the last one. */
  steps: number;
  lastStep: { at: number; byMs: number } | null;
}

export interface ClockMonitorOptions {
  source: ClockSource;
  log: Logger;
  now?: () => number;
  monoNow?: () => number;
  bootId?: string;
  unsyncedPollMs?: number;
  syncedPollMs?: number;
  stepCheckMs?: number;
}

export interface ClockMonitorEvents {
  change: [];
}

export class ClockMonitor extends EventEmitter<ClockMonitorEvents> {
  readonly bootId: string;
  private readonly now: () => number;
  private readonly monoNow: () => number;
  private reading: ClockReading = { synchronized: null, source: 'none' };
  private since: number | null = null;
  private offsetMs: number;
  private steps = 0;
  private lastStep: ClockStatus['lastStep'] = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private stepTimer: NodeJS.Timeout | null = null;
  private stopped = true;
  private unwatch: (() => void) | null = null;

  constructor(private readonly options: ClockMonitorOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.monoNow = options.monoNow ?? monotonicMs;
    this.bootId = options.bootId ?? readBootId();
    this.offsetMs = this.now() - this.monoNow();
  }

  /** Reads the source once before resolving, so the first readings are stamped right. */
  async start(): Promise<void> {
    this.stopped = false;
    this.unwatch = this.options.source.watch?.(() => void this.pollNow()) ?? null;
    await this.poll();
    this.stepTimer = setInterval(() => this.checkStep(), this.options.stepCheckMs ?? 1000);
    this.stepTimer.unref();
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    this.unwatch = null;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.stepTimer) clearInterval(this.stepTimer);
    this.pollTimer = this.stepTimer = null;
    return Promise.resolve();
  }

  /** The monotonic clock readings are placed on (filters' periods, clock marks). */
  mono(): number {
    return this.monoNow();
  }

  /** Known not synchronized, or a year no synchronized clock shows: a reading's ts cannot be trusted. */
  get untrusted(): boolean {
    return this.reading.synchronized === false || (this.reading.synchronized === null && !this.plausible());
  }

  /** The mark for a reading taken at `mono` (monotonic ms), or undefined while the clock can be trusted. */
  mark(mono: number): ClockMark | undefined {
    return this.untrusted ? { boot: this.bootId, mono } : undefined;
  }

  /** The true ts of a marked reading: only for this boot (another boot's monotonic clock is lost) and while synchronized. */
  correct(mark: ClockMark): number | null {
    if (this.reading.synchronized !== true || mark.boot !== this.bootId || this.bootId === 'unknown') return null;
    return Math.round(mark.mono + this.now() - this.monoNow());
  }

  status(): ClockStatus {
    this.checkStep();
    return { plausible: this.plausible(), synchronized: this.reading.synchronized, source: this.reading.source, since: this.since, steps: this.steps, lastStep: this.lastStep && { ...this.lastStep } };
  }

  /** `synchronized`, `unsynchronized` or `unknown` (the birth message). */
  word(): string {
    const { synchronized } = this.reading;
    return synchronized === true ? 'synchronized' : synchronized === false || !this.plausible() ? 'unsynchronized' : 'unknown';
  }

  private plausible(): boolean {
    return new Date(this.now()).getUTCFullYear() >= EARLIEST_PLAUSIBLE_YEAR;
  }

  /** A read out of turn (the source said something changed); the regular poll is rescheduled after it. */
  private async pollNow(): Promise<void> {
    if (this.stopped) return;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    await this.poll();
  }

  private async poll(): Promise<void> {
    let next: ClockReading;
    try {
      next = await this.options.source.read();
    } catch (error) {
      next = { synchronized: null, source: `none (${error instanceof Error ? error.message : String(error)})` };
    }
    if (this.stopped) return;
    this.checkStep();
    const changed = next.synchronized !== this.reading.synchronized;
    if (changed || this.since === null) {
      this.since = next.since ?? this.now();
      if (this.reading.synchronized !== null || next.synchronized !== null) {
        const level = next.synchronized === false ? 'warn' : 'info';
        this.options.log[level]({ synchronized: next.synchronized, source: next.source }, next.synchronized === true ? 'system clock synchronized' : next.synchronized === false ? 'system clock not synchronized: readings are marked until it is' : 'system clock state unknown');
      }
    }
    this.reading = next;
    if (changed) this.emit('change');
    const delay = next.synchronized === true ? (this.options.syncedPollMs ?? 60_000) : next.synchronized === false ? (this.options.unsyncedPollMs ?? 5000) : (this.options.syncedPollMs ?? 60_000);
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.poll(), delay);
    this.pollTimer.unref();
  }

  /** A step moves the wall clock against the monotonic one; drift and NTP slewing stay far below a second. */
  private checkStep(): void {
    const offset = this.now() - this.monoNow();
    const byMs = offset - this.offsetMs;
    this.offsetMs = offset;
    if (Math.abs(byMs) <= STEP_THRESHOLD_MS) return;
    this.steps += 1;
    this.lastStep = { at: this.now(), byMs: Math.round(byMs) };
    this.options.log.warn({ byMs: Math.round(byMs), synchronized: this.reading.synchronized }, `system clock stepped ${byMs < 0 ? 'back' : 'forward'} by ${Math.abs(Math.round(byMs / 1000))} s (seq order is unaffected)`);
    this.emit('change');
  }
}
