// Two devices with one client id (src/mqtt/takeover-guard.ts): recognised from the broker's reason
// code or from cuts right after every connect, reported once, backed off, and cleared by a session
// that stays up.
import { describe, expect, it } from 'vitest';
import { SESSION_TAKEN_OVER, TakeoverGuard } from '../../src/mqtt/takeover-guard.js';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('TakeoverGuard', () => {
  it('is detected at once when the broker says "session taken over" (0x8E), and only once', () => {
    const time = clock();
    const guard = new TakeoverGuard('sensor-agent-pi', { now: time.now });
    guard.connected();
    time.advance(120_000);
    guard.serverDisconnect(SESSION_TAKEN_OVER);
    expect(guard.closed()).toBe('detected');
    expect(guard.current).toMatchObject({ clientId: 'sensor-agent-pi', reason: expect.stringContaining('0x8E') });
    guard.connected();
    guard.serverDisconnect(SESSION_TAKEN_OVER);
    expect(guard.closed()).toBeNull();
  });

  it('is suspected after three connects in a row that were each cut within seconds (MQTT 3.1.1 says nothing)', () => {
    const time = clock();
    const guard = new TakeoverGuard('id', { now: time.now });
    for (const expected of [null, null, 'detected']) {
      guard.connected();
      time.advance(2_000);
      expect(guard.closed()).toBe(expected);
    }
  });

  it('is not suspected for a flaky link: a long session between quick cuts starts the count again', () => {
    const time = clock();
    const guard = new TakeoverGuard('id', { now: time.now });
    const session = (ms: number) => {
      guard.connected();
      time.advance(ms);
      return guard.closed();
    };
    expect([session(1000), session(1000), session(60_000), session(1000), session(1000)]).toEqual([null, null, null, null, null]);
    // Failed connect attempts (no CONNACK) are not cuts.
    expect(guard.closed()).toBeNull();
    expect(guard.current).toBeNull();
  });

  it('is not suspected for a link that keeps being cut: failed reconnects or socket errors in between are the network', () => {
    const time = clock();
    const guard = new TakeoverGuard('id', { now: time.now });
    const quickSession = (how: { clean: boolean }) => {
      guard.connected();
      time.advance(1000);
      return guard.closed(how);
    };
    // A cable pulled for a moment: each reconnect fails at least once before it gets in.
    for (let cut = 0; cut < 10; cut++) {
      expect(quickSession({ clean: true })).toBeNull();
      guard.attemptFailed();
    }
    // Resets mid-packet: each session ends with a socket error, and the reconnect gets in at once.
    for (let reset = 0; reset < 10; reset++) expect(quickSession({ clean: false })).toBeNull();
    expect(guard.current).toBeNull();
    // A reset can read as a clean end of stream: clean quick cuts among resets are still the link's.
    for (let round = 0; round < 10; round++) {
      expect([quickSession({ clean: true }), quickSession({ clean: true }), quickSession({ clean: true }), quickSession({ clean: false })]).toEqual([null, null, null, null]);
    }
    expect(guard.current).toBeNull();
    // A clone: the broker closes each session cleanly and every reconnect gets in at once; once the
    // link has gone a minute without a reset, three such cuts in a row are the clone's.
    time.advance(60_000);
    expect([quickSession({ clean: true }), quickSession({ clean: true }), quickSession({ clean: true })]).toEqual([null, null, 'detected']);
  });

  it('backs off to minutes while suspected, doubling with jitter up to the maximum', () => {
    const time = clock();
    const guard = new TakeoverGuard('id', { now: time.now, random: () => 1, backoffMinMs: 60_000, backoffMaxMs: 600_000 });
    expect(guard.retryDelayMs(300)).toBe(300);
    guard.connected();
    guard.serverDisconnect(SESSION_TAKEN_OVER);
    guard.closed();
    expect([1, 2, 3, 4, 5, 6].map(() => guard.retryDelayMs(300))).toEqual([60_000, 120_000, 240_000, 480_000, 600_000, 600_000]);
    const low = new TakeoverGuard('id', { now: time.now, random: () => 0, backoffMinMs: 60_000 });
    low.connected();
    low.serverDisconnect(SESSION_TAKEN_OVER);
    low.closed();
    expect(low.retryDelayMs(300)).toBe(30_000);
  });

  it('is cleared by a session that stays up longer than the stable time', () => {
    const time = clock();
    const guard = new TakeoverGuard('id', { now: time.now, stableMs: 900_000 });
    guard.connected();
    guard.serverDisconnect(SESSION_TAKEN_OVER);
    guard.closed();
    guard.connected();
    time.advance(300_000);
    expect(guard.closed()).toBeNull();
    expect(guard.current).not.toBeNull();
    guard.connected();
    time.advance(900_000);
    expect(guard.closed()).toBe('cleared');
    expect(guard.current).toBeNull();
    expect(guard.retryDelayMs(300)).toBe(300);
  });
});
