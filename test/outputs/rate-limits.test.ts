// The two rate limits, on an injected clock: one command per output per 100 ms, and one log line
// per kind of refusal per window, the next one saying how many were left out.
import { describe, expect, it } from 'vitest';
import { CommandGate, LogThrottle } from '../../src/outputs/rate-limits.js';

describe('CommandGate', () => {
  it('lets one command per output through per 100 ms, each output on its own', () => {
    let now = 1_000;
    const gate = new CommandGate(100, () => now);
    expect(gate.allow('pump')).toBe(true);
    expect(gate.allow('pump')).toBe(false);
    expect(gate.allow('fan')).toBe(true);
    now += 99;
    expect(gate.allow('pump')).toBe(false);
    now += 1;
    expect(gate.allow('pump')).toBe(true);
  });
});

describe('LogThrottle', () => {
  it('admits the first refusal of a kind, counts the rest of the window, and reports them with the next', () => {
    let now = 0;
    const throttle = new LogThrottle(10_000, () => now);
    expect(throttle.admit('malformed')).toBe(0);
    for (let i = 0; i < 500; i += 1) expect(throttle.admit('malformed')).toBeNull();
    expect(throttle.admit('oversized')).toBe(0);
    now = 10_000;
    expect(throttle.admit('malformed')).toBe(500);
    expect(throttle.admit('malformed')).toBeNull();
  });
});
