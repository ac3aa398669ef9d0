// Settings that load but are probably slips: a bare number is milliseconds, so `interval: 10`
// samples 100 times a second. The config loads, and each slip is one warning line.
import { describe, expect, it } from 'vitest';
import { loadConfigWithWarnings } from '../../src/config/load.js';
import { configFile } from './fixture.js';

async function warningsOf(text: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  return (await loadConfigWithWarnings(await configFile(text), env, { hostname: 'h' })).warnings;
}

describe('config warnings', () => {
  it('warns when a bare number below one second is used for a sensor interval', async () => {
    expect(await warningsOf('sensors:\n  - { id: a, driver: simulated, interval: 10 }\n')).toEqual([
      'sensors[0].interval: 10 is 10 ms (a bare number means milliseconds; write 10s for 10 seconds, or 10ms to keep it and silence this)',
    ]);
  });

  it('warns for the same slip in an environment override and in the store commit interval', async () => {
    const warnings = await warningsOf('store: { commitInterval: 50 }\nsensors:\n  - { id: a, driver: simulated }\n', { SENSOR_AGENT_SENSORS__0__INTERVAL: '30' });
    expect(warnings).toEqual([
      'sensors[0].interval: 30 is 30 ms (a bare number means milliseconds; write 30s for 30 seconds, or 30ms to keep it and silence this)',
      'store.commitInterval: 50 is 50 ms (a bare number means milliseconds; write 50s for 50 seconds, or 50ms to keep it and silence this)',
    ]);
  });

  it.each(['10ms', '2s', 1000, 60000])('says nothing for interval %j (a unit, or a bare number of a second or more)', async (interval) => {
    expect(await warningsOf(`sensors:\n  - { id: a, driver: simulated, interval: ${JSON.stringify(interval)} }\n`)).toEqual([]);
  });
});
