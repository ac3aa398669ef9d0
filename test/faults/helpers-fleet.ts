// The fleet-restart model, shared by the fast unit test and the fault scenario: N agents lose the
// broker at t=0 (a broker restart, or agents booted together while it is away); the broker accepts
// again from t=D. Each agent retries after the delays its own ReconnectBackoff (the real class)
// gives; its "first reconnect" is its first attempt at or after D. No sockets: connect latency on
// a LAN is a few ms, well below the one-second windows measured.
import { ReconnectBackoff, type BackoffOptions } from '../../src/mqtt/backoff.js';

/** A small seeded PRNG (mulberry32), so a failing spread can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each agent's first successful reconnect time (ms after the broker went away). */
export function firstReconnects(agents: number, brokerDownMs: number, options: BackoffOptions, random: () => number): number[] {
  const times: number[] = [];
  for (let agent = 0; agent < agents; agent += 1) {
    const backoff = new ReconnectBackoff(options, random);
    let t = 0;
    do t += backoff.next();
    while (t < brokerDownMs);
    times.push(t);
  }
  return times;
}

/** The most of `times` inside any one window of `windowMs` (sliding, not fixed bins). */
export function busiestWindowCount(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= windowMs) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** The largest share of `times` inside any one window of `windowMs` (sliding, not fixed bins). */
export function busiestWindowShare(times: readonly number[], windowMs = 1000): number {
  return times.length === 0 ? 0 : busiestWindowCount(times, windowMs) / times.length;
}
