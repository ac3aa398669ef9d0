// What the page tells about the host beside the agent's own state: its IP addresses (how to reach
// it) and whether its clock can be trusted (readings carry the device's time). Read at most every
// few seconds, since snapshots are taken several times a second.
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

export interface ClockStatus {
  /** The year is 2024 or later: a Pi without a real-time clock boots at its last shutdown or in 1970. */
  plausible: boolean;
  /**
   * true: synchronized. null: not verified. This reader only sees systemd-timesyncd's flag, so it
   * never says false (absence of evidence is not proof); the agent's clock monitor
   * (src/clock/clock-monitor.ts) asks the kernel too and fills in false and the fields below.
   */
  synchronized: boolean | null;
  /** What said so: `timesyncd`, `kernel (timedatectl)`, `kernel (adjtimex)`, `none`. */
  source?: string;
  /** Epoch ms of the last change of `synchronized`. */
  since?: number | null;
  /** Clock steps (jumps of more than 1 s against the monotonic clock) since start, and the last one. */
  steps?: number;
  lastStep?: { at: number; byMs: number } | null;
}

export interface HostInfo {
  /** Non-internal IPv4 and IPv6 addresses with their interface: "192.168.1.20 (wlan0)". */
  addresses: string[];
  clock: ClockStatus;
}

export interface HostInfoOptions {
  now?: () => number;
  /** Where systemd-timesyncd drops its flag file once synchronized. */
  timesyncFlag?: string;
  interfaces?: typeof networkInterfaces;
  refreshMs?: number;
}

export const earliestPlausibleYear = 2024;

export function clockStatus(time: number, flagExists: boolean): ClockStatus {
  return { plausible: new Date(time).getUTCFullYear() >= earliestPlausibleYear, synchronized: flagExists ? true : null };
}

export function listAddresses(interfaces: ReturnType<typeof networkInterfaces>): string[] {
  const found: string[] = [];
  for (const [name, addresses] of Object.entries(interfaces)) {
    for (const address of addresses ?? []) {
      if (address.internal) continue;
      // Link-local IPv6 (fe80::) only works with a zone; still shown, a technician may need it.
      found.push(`${address.address} (${name})`);
    }
  }
  // IPv4 first: that is what a technician types into a phone.
  return found.sort((a, b) => Number(a.includes(':')) - Number(b.includes(':')));
}

/** A cached reader: the interfaces and the flag file are looked at once per refresh interval. */
export function hostInfoReader(options: HostInfoOptions = {}): () => HostInfo {
  const now = options.now ?? Date.now;
  const flag = options.timesyncFlag ?? '/run/systemd/timesync/synchronized';
  const interfaces = options.interfaces ?? networkInterfaces;
  const refreshMs = options.refreshMs ?? 10_000;
  let cached: { at: number; addresses: string[]; flagExists: boolean } | null = null;
  return () => {
    const time = now();
    if (cached === null || time - cached.at >= refreshMs || time < cached.at) {
      let addresses: string[] = [];
      try {
        addresses = listAddresses(interfaces());
      } catch {
        // Some sandboxes refuse to list interfaces; an empty list is the honest answer.
      }
      cached = { at: time, addresses, flagExists: existsSync(flag) };
    }
    return { addresses: [...cached.addresses], clock: clockStatus(time, cached.flagExists) };
  };
}
