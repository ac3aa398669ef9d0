// doctor's clock line, from the clock source's answer (the kernel's state is the hardware here:
// a fake source through the same interface as the real one) and the year the clock shows.
import { describe, expect, it } from 'vitest';
import { checkClock } from '../../src/cli/doctor-clock.js';
import { formatResult } from '../../src/cli/doctor.js';
import { FakeClockSource } from '../helpers/fake-clock.js';

const NOW = Date.UTC(2026, 11, 3, 7, 15);
const IN_1970 = Date.UTC(1970, 0, 1, 0, 2);

describe('doctor: the clock', () => {
  it('is ok when synchronized, with the source and since when it knows', async () => {
    const result = await checkClock(new FakeClockSource({ synchronized: true, source: 'timesyncd', since: Date.UTC(2026, 11, 3, 6, 0) }), NOW);
    expect(formatResult(result)).toBe('ok    system clock is synchronized since 2026-12-03T06:00:00.000Z, says timesyncd');
    const kernel = await checkClock(new FakeClockSource({ synchronized: true, source: 'kernel (adjtimex)' }), NOW);
    expect(kernel.what).toBe('system clock is synchronized, says kernel (adjtimex)');
  });

  it('warns when not synchronized: readings are marked until it is, and says how to fix it', async () => {
    const result = await checkClock(new FakeClockSource({ synchronized: false, source: 'kernel (timedatectl)' }), NOW);
    expect(result.verdict).toBe('warn');
    expect(result.what).toBe('system clock is not synchronized, says kernel (timedatectl); it shows 2026-12-03 07:15 UTC: readings are marked "unsynced" until it is');
    expect(result.fix).toMatch(/^start an NTP client \(sudo timedatectl set-ntp true/);
  });

  it('with nothing to ask: ok in a plausible year, a warning in 1970 (readings are marked then)', async () => {
    const unknown = new FakeClockSource({ synchronized: null, source: 'none' });
    const plausible = await checkClock(unknown, NOW);
    expect(plausible.verdict).toBe('ok');
    expect(plausible.what).toBe('system clock shows 2026-12-03 07:15 UTC; nothing on this host says whether it is synchronized (no timesyncd, timedatectl or adjtimex answered), so readings are not marked');
    const early = await checkClock(unknown, IN_1970);
    expect(early.verdict).toBe('warn');
    expect(early.what).toBe('system clock shows 1970-01-01 00:02 UTC and nothing on this host says whether it is synchronized: readings are marked "unsynced" while the year is before 2024');
  });
});
