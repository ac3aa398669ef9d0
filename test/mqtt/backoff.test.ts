// Reconnect backoff: a single device comes back within its first window, every wait stays within
// [minMs/2, maxMs], and a fleet of 100 that lost the broker together spreads its first reconnects
// so that no one-second window holds more than 20% of them.
import { describe, expect, it } from 'vitest';
import { ReconnectBackoff } from '../../src/mqtt/backoff.js';
import { busiestWindowShare, firstReconnects, seededRandom } from '../faults/helpers-fleet.js';

const DEFAULTS = { minMs: 1000, maxMs: 60_000 };

describe('ReconnectBackoff', () => {
  it('keeps every delay within [minMs/2, maxMs] and widens the window per attempt until maxMs', () => {
    const highest = new ReconnectBackoff(DEFAULTS, () => 1);
    expect([1, 2, 3, 4, 5].map(() => highest.next())).toEqual([15_000, 30_000, 60_000, 60_000, 60_000]);
    const lowest = new ReconnectBackoff(DEFAULTS, () => 0);
    expect([1, 2, 3].map(() => lowest.next())).toEqual([500, 500, 500]);
  });

  it('starts over after reset(), so one device is back within 15 x minMs of a broker blip', () => {
    const backoff = new ReconnectBackoff(DEFAULTS, () => 1);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(15_000);
  });

  it('stays within a small maxMs (fast test configs reconnect within it)', () => {
    const backoff = new ReconnectBackoff({ minMs: 100, maxMs: 300 }, seededRandom(7));
    for (let attempt = 0; attempt < 50; attempt += 1) expect(backoff.next()).toBeGreaterThanOrEqual(50);
    const capped = new ReconnectBackoff({ minMs: 100, maxMs: 300 }, () => 1);
    expect(capped.next()).toBe(300);
  });

  it('never waits less than floorMs (a broker taking one CONNECT a second per client id), even with a small maxMs', () => {
    const lowest = new ReconnectBackoff({ minMs: 100, maxMs: 300, floorMs: 1250 }, () => 0);
    expect([1, 2, 3].map(() => lowest.next())).toEqual([1250, 1250, 1250]);
    const highest = new ReconnectBackoff({ minMs: 1000, maxMs: 60_000, floorMs: 1250 }, () => 1);
    expect([1, 2, 3].map(() => highest.next())).toEqual([15_000, 30_000, 60_000]);
  });

  it.each([0, 5_000, 30_000])('spreads 100 agents whose broker was down %i ms: no one-second window holds more than 20% of the first reconnects', (brokerDownMs) => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const times = firstReconnects(100, brokerDownMs, DEFAULTS, seededRandom(seed));
      expect(busiestWindowShare(times), `seed ${seed}`).toBeLessThanOrEqual(0.2);
      expect(Math.min(...times)).toBeGreaterThanOrEqual(brokerDownMs);
    }
  });
});
