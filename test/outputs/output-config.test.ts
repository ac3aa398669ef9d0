// The `outputs:` section: safe defaults, and the config errors (exit 78) a technician can act on:
// a pin used twice names both keys, an output id that would share a topic is refused.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';

const context = { env: {}, baseDir: '/tmp', hostname: 'test-host' };
const base = { sensors: [{ id: 'door', driver: 'gpio-input', pin: 17 }] };

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw, context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(78);
    return (error as ConfigError).problems;
  }
  throw new Error('config was accepted');
}

describe('outputs config', () => {
  it('defaults every key to the safe side: off at start and on doubt, retained ignored, 60 s command age, 30 s fail-safe', () => {
    const config = parseConfig({ ...base, outputs: [{ id: 'pump', driver: 'gpio-output', pin: 22 }] }, context);
    expect(config.outputs).toEqual([{ id: 'pump', driver: 'gpio-output', pin: 22, activeLow: false, initial: 0, safeState: 0, failsafeAfter: 30_000, acceptRetained: false, maxCommandAge: 60_000 }]);
  });

  it('takes durations, failsafeAfter off, and an output QoS', () => {
    const [output] = parseConfig({ ...base, outputs: [{ id: 'fan', driver: 'gpio-output', pin: 23, maxOn: '10m', failsafeAfter: 'off', maxCommandAge: '5s', qos: 1, activeLow: true, initial: 1, safeState: 1 }] }, context).outputs;
    expect(output).toMatchObject({ maxOn: 600_000, failsafeAfter: 'off', maxCommandAge: 5000, qos: 1, activeLow: true, initial: 1, safeState: 1 });
  });

  it('refuses a pin used by an input and an output, naming both keys', () => {
    expect(problems({ ...base, outputs: [{ id: 'pump', driver: 'gpio-output', pin: 17 }] })).toEqual([expect.stringMatching(/^outputs\[0\]\.pin: 17 is BCM 17, already used by sensors\[0\]\.pin/)]);
  });

  it('refuses a pin used by two outputs, and the same id twice', () => {
    const found = problems({ ...base, outputs: [{ id: 'a', driver: 'gpio-output', pin: 5 }, { id: 'a', driver: 'gpio-output', pin: 5 }] });
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/^outputs\[1\]\.pin: .*already used by outputs\[0\]\.pin/), expect.stringMatching(/^outputs\[1\]\.id: .*already used by outputs\[0\]/)]));
  });

  it('refuses an output id that is a sensor id or the status topic', () => {
    const found = problems({ ...base, outputs: [{ id: 'door', driver: 'gpio-output', pin: 5 }, { id: 'status', driver: 'gpio-output', pin: 6 }] });
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/^outputs\[0\]\.id: .*sensors\[0\]/), expect.stringMatching(/^outputs\[1\]\.id: .*status topic/)]));
  });

  it('refuses bad values with the key, the value and what was expected', () => {
    const found = problems({ ...base, outputs: [{ id: 'x', driver: 'gpio-output', pin: 99, initial: 2, failsafeAfter: 'soon', typo: 1 }] });
    expect(found.join('\n')).toMatch(/outputs\[0\]\.pin/);
    expect(found.join('\n')).toMatch(/outputs\[0\]\.initial: 2 is not a level/);
    expect(found.join('\n')).toMatch(/outputs\[0\]\.failsafeAfter/);
    expect(found.join('\n')).toMatch(/typo/);
  });
});
