// Addresses and clock state for the page: honest about what is not known.
import { describe, expect, it } from 'vitest';
import { clockStatus, hostInfoReader, listAddresses } from '../../src/status/host-info.js';

type Interfaces = Parameters<typeof listAddresses>[0];

const interfaces: Interfaces = {
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
  wlan0: [
    { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: 'aa:bb:cc:dd:ee:ff', internal: false, cidr: 'fe80::1/64', scopeid: 3 },
    { address: '192.168.1.20', netmask: '255.255.255.0', family: 'IPv4', mac: 'aa:bb:cc:dd:ee:ff', internal: false, cidr: '192.168.1.20/24' },
  ],
};

describe('host info', () => {
  it('lists non-internal addresses, IPv4 first, with their interface', () => {
    expect(listAddresses(interfaces)).toEqual(['192.168.1.20 (wlan0)', 'fe80::1 (wlan0)']);
  });

  it('calls a clock before 2024 wrong, and synchronized only with evidence', () => {
    expect(clockStatus(Date.UTC(1970, 0, 1), false)).toEqual({ plausible: false, synchronized: null });
    expect(clockStatus(Date.UTC(2025, 5, 1), false)).toEqual({ plausible: true, synchronized: null });
    expect(clockStatus(Date.UTC(2025, 5, 1), true)).toEqual({ plausible: true, synchronized: true });
  });

  it('looks at the interfaces at most once per refresh interval', () => {
    let now = Date.UTC(2025, 5, 1);
    let calls = 0;
    const read = hostInfoReader({ now: () => now, timesyncFlag: '/nonexistent/synchronized', refreshMs: 10_000, interfaces: () => (calls++, interfaces) });
    read();
    now += 5_000;
    expect(read().addresses).toHaveLength(2);
    expect(calls).toBe(1);
    now += 5_000;
    read();
    expect(calls).toBe(2);
  });
});
