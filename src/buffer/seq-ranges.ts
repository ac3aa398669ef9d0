// A set of seqs kept as sorted, disjoint, non-adjacent ranges: the seqs above the buffer's lowest
// waiting one that are already removed. With two lanes (issue 21) that set is no longer small: a
// high reading kept through a week offline holds the lowest seq while millions of normal readings
// above it are dropped, and high readings drained first are acked above a normal backlog. Both
// come as runs, and a run costs one range here where it cost one Set entry per seq.

export class SeqRanges {
  /** Ranges [from[i], to[i]] for i >= head, ascending. */
  private from: number[] = [];
  private to: number[] = [];
  private head = 0;

  get size(): number {
    return this.from.length - this.head;
  }

  clear(): void {
    this.from = [];
    this.to = [];
    this.head = 0;
  }

  has(seq: number): boolean {
    const i = this.indexAtOrBelow(seq);
    return i >= this.head && this.to[i]! >= seq;
  }

  /** Adds from..to (inclusive), merging with the ranges it touches. */
  add(from: number, to = from): void {
    if (from > to) return;
    const last = this.from.length - 1;
    // The common cases: a run growing at the top, or a new range above all others.
    if (last < this.head || from > this.to[last]! + 1) {
      this.from.push(from);
      this.to.push(to);
      return;
    }
    if (from >= this.from[last]!) {
      this.to[last] = Math.max(this.to[last]!, to);
      return;
    }
    // Anywhere else: the ranges that overlap or touch [from - 1, to + 1] become one.
    let first = this.indexAtOrBelow(from - 1);
    if (first < this.head || this.to[first]! < from - 1) first++;
    let end = this.indexAtOrBelow(to + 1);
    const mergedFrom = first <= end ? Math.min(from, this.from[first]!) : from;
    const mergedTo = first <= end ? Math.max(to, this.to[end]!) : to;
    if (end < first) end = first - 1;
    this.from.splice(first, end - first + 1, mergedFrom);
    this.to.splice(first, end - first + 1, mergedTo);
  }

  /**
   * The lowest seq >= `seq` not in the set, forgetting every range below it: the buffer's lowest
   * waiting seq moves up past what is removed, and nothing below it is asked about again.
   */
  skipFrom(seq: number): number {
    let next = seq;
    while (this.head < this.from.length && this.from[this.head]! <= next) {
      next = Math.max(next, this.to[this.head]! + 1);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.from.length) {
      this.from = this.from.slice(this.head);
      this.to = this.to.slice(this.head);
      this.head = 0;
    }
    return next;
  }

  /** Index of the last range with from <= seq, or head - 1 when none. */
  private indexAtOrBelow(seq: number): number {
    let low = this.head;
    let high = this.from.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (this.from[mid]! <= seq) low = mid + 1;
      else high = mid - 1;
    }
    return high;
  }
}
