// The health telemetry's config (issue 22): mqtt.healthInterval (a duration, default 60 s, `off`
// or 0 for none) and the id `health`, which a sensor or an output cannot have (its topic would be
// the device's health topic): both refused with the key, the value and what was expected (exit 78).
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';

const context = { env: {}, baseDir: '/tmp', hostname: 'test-host' };
const sensors = [{ id: 'door', driver: 'gpio-input', pin: 17 }];

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

describe('health telemetry config', () => {
  it('defaults mqtt.healthInterval to 60 s and reads durations, off and 0 (off is 0)', () => {
    expect(parseConfig({ sensors }, context).mqtt.healthInterval).toBe(60_000);
    expect(parseConfig({ sensors, mqtt: { healthInterval: '5m' } }, context).mqtt.healthInterval).toBe(300_000);
    expect(parseConfig({ sensors, mqtt: { healthInterval: 'off' } }, context).mqtt.healthInterval).toBe(0);
    expect(parseConfig({ sensors, mqtt: { healthInterval: 0 } }, context).mqtt.healthInterval).toBe(0);
  });

  it('refuses a healthInterval that is not a duration, or shorter than a second', () => {
    expect(problems({ sensors, mqtt: { healthInterval: 'often' } })).toEqual([expect.stringMatching(/^mqtt\.healthInterval: "often" is not a duration or off \(examples: 60s, 5m, off; 0 is off\)/)]);
    expect(problems({ sensors, mqtt: { healthInterval: '200ms' } })).toEqual([expect.stringMatching(/^mqtt\.healthInterval: "200ms" is too short \(at least 1000ms\)/)]);
  });

  it('refuses a sensor or an output with the id health, naming the topic it would take', () => {
    expect(problems({ sensors: [{ id: 'health', driver: 'simulated' }] })).toEqual([
      expect.stringMatching(/^sensors\[0\]\.id: "health" is reserved: it is the device health topic \(<topicPrefix>\/health\); choose another id/),
    ]);
    expect(problems({ sensors, outputs: [{ id: 'health', driver: 'gpio-output', pin: 5 }] })).toEqual([
      expect.stringMatching(/^outputs\[0\]\.id: "health" is reserved: it is the device health topic/),
    ]);
  });

  it('refuses the id config: an output config would listen on the remote configuration topic', () => {
    expect(problems({ sensors, outputs: [{ id: 'config', driver: 'gpio-output', pin: 5 }] })).toEqual([
      expect.stringMatching(/^outputs\[0\]\.id: "config" is reserved: it is the remote configuration topics \(<topicPrefix>\/config\/set and \/config\/result\)/),
    ]);
  });
});
