import { afterEach, describe, expect, it, vi } from 'vitest';
import { Watchdog, type LoopProbe } from '../../src/systemd/watchdog.js';
import { watchdogIntervalMs } from '../../src/systemd/notify.js';
import { stallWindowMs } from '../../src/systemd/service.js';

function rig(probe: LoopProbe) {
  let clock = 0;
  const sent: string[] = [];
  const sink = {
    watchdog: async () => void sent.push('WATCHDOG=1'),
    status: async (text: string) => void sent.push(`STATUS=${text}`),
  };
  const watchdog = new Watchdog({ intervalMs: 1000, stallAfterMs: 5000, probe: () => ({ ...probe }), sink, now: () => clock });
  const advance = async (ms: number): Promise<void> => {
    for (let step = 0; step < ms / 1000; step += 1) {
      clock += 1000;
      await vi.advanceTimersByTimeAsync(1000);
    }
  };
  return { watchdog, sent, advance, pings: () => sent.filter((line) => line === 'WATCHDOG=1').length };
}

describe('the systemd watchdog policy', () => {
  afterEach(() => vi.useRealTimers());

  it('pings every interval while healthy and the sampler makes progress', async () => {
    vi.useFakeTimers();
    const probe: LoopProbe = { healthy: true, reason: null, progress: 0 };
    const { watchdog, advance, pings } = rig(probe);
    watchdog.start();
    for (let second = 0; second < 10; second += 1) {
      probe.progress += 1;
      await advance(1000);
    }
    watchdog.stop();
    expect(pings()).toBe(11);
  });

  it('stops pinging when the sampler is wedged, says why, and resumes when it moves again', async () => {
    vi.useFakeTimers();
    const probe: LoopProbe = { healthy: true, reason: null, progress: 0 };
    const { watchdog, advance, pings, sent } = rig(probe);
    watchdog.start();
    await advance(5000); // no progress: still within the 5 s stall window
    const beforeStall = pings();
    await advance(5000);
    expect(pings()).toBe(beforeStall);
    expect(sent).toContain('STATUS=watchdog not fed: sampling stalled: no sensor read completed for 6 s');
    probe.progress += 1;
    await advance(1000);
    expect(pings()).toBe(beforeStall + 1);
    expect(sent.at(-2)).toBe('STATUS=running');
    watchdog.stop();
  });

  it('stops pinging while the agent is unhealthy (buffer refusing writes, every sensor failed)', async () => {
    vi.useFakeTimers();
    const probe: LoopProbe = { healthy: false, reason: 'buffer is refusing writes (disk full or I/O error)', progress: 0 };
    const { watchdog, advance, pings, sent } = rig(probe);
    watchdog.start();
    for (let second = 0; second < 3; second += 1) {
      probe.progress += 1;
      await advance(1000);
    }
    expect(pings()).toBe(0);
    expect(sent).toEqual(['STATUS=watchdog not fed: buffer is refusing writes (disk full or I/O error)']);
    watchdog.stop();
  });

  it('pings at half of WATCHDOG_USEC, and only for the process it names', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 42)).toBe(15_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42)).toBe(15_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 42)).toBeNull();
    expect(watchdogIntervalMs({}, 42)).toBeNull();
  });

  it('allows a stall of twice the slowest sensor interval plus 10 s', () => {
    expect(stallWindowMs([2_000, 60_000])).toBe(130_000);
  });
});
