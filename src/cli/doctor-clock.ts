// doctor's clock line: whether the system clock is synchronized and what said so, through the same
// clock source the agent uses (src/clock/), and what that means for the readings' timestamps.
import type { ClockSource } from '../clock/clock-source.js';
import { EARLIEST_PLAUSIBLE_YEAR } from '../clock/clock-monitor.js';
import { systemClockSource } from '../clock/system-clock-source.js';
import type { CheckResult } from './doctor-result.js';

const NTP_FIX = 'start an NTP client (sudo timedatectl set-ntp true for systemd-timesyncd) and let it reach an NTP server; readings of this boot still waiting in the buffer are corrected when it does';

export async function checkClock(source: ClockSource = systemClockSource(), now = Date.now()): Promise<CheckResult> {
  const reading = await source.read();
  const shown = `${new Date(now).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  if (reading.synchronized === true) {
    const since = reading.since === undefined ? '' : ` since ${new Date(reading.since).toISOString()}`;
    return { verdict: 'ok', what: `system clock is synchronized${since}, says ${reading.source}` };
  }
  if (reading.synchronized === false) {
    return { verdict: 'warn', what: `system clock is not synchronized, says ${reading.source}; it shows ${shown}: readings are marked "unsynced" until it is`, fix: NTP_FIX };
  }
  if (new Date(now).getUTCFullYear() < EARLIEST_PLAUSIBLE_YEAR) {
    return { verdict: 'warn', what: `system clock shows ${shown} and nothing on this host says whether it is synchronized: readings are marked "unsynced" while the year is before ${EARLIEST_PLAUSIBLE_YEAR}`, fix: NTP_FIX };
  }
  return { verdict: 'ok', what: `system clock shows ${shown}; nothing on this host says whether it is synchronized (no timesyncd, timedatectl or adjtimex answered), so readings are not marked` };
}
