// The clock mark a reading taken while the system clock was not synchronized is stored with:
// the boot it was taken in and its time on that boot's monotonic clock (CLOCK_MONOTONIC, ms), so
// once the clock is synchronized the reading's true time is known (README, "Time quality").
// Stored after the values, `\0<boot> <mono>`; readings of a synchronized clock carry nothing.

export interface ClockMark {
  /** The boot the reading was taken in (a prefix of the kernel's boot id). */
  boot: string;
  /** Its time on that boot's monotonic clock, ms. */
  mono: number;
}

/**
 * What a reader sees of a marked reading: `unsynced` (its ts is the unsynchronized clock's),
 * or `corrected` (ts recomputed from the monotonic time after the clock was synchronized).
 */
export type TimeQuality = 'unsynced' | 'corrected';

/** Turns a mark into the corrected ts, or null when it cannot be corrected (yet, or ever: another boot). */
export type TimeCorrection = (mark: ClockMark) => number | null;

export function encodeClockMark(mark: ClockMark): string {
  return `${mark.boot} ${Math.round(mark.mono)}`;
}

/** Null when the text is not a mark we wrote. */
export function decodeClockMark(text: string): ClockMark | null {
  const space = text.indexOf(' ');
  if (space <= 0) return null;
  const mono = Number(text.slice(space + 1));
  if (!Number.isFinite(mono)) return null;
  return { boot: text.slice(0, space), mono };
}
