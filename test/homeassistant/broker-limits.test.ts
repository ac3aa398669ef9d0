// Discovery under a broker's limits (Mosquitto on MQTT 5, when installed): with max_packet_size
// below the device message, the agent says so and the readings keep flowing; entity discovery
// then fits. With retain_available false, discovery, availability and states go unretained (the
// broker would refuse retained publishes) and HA's `online` is what brings them back.
import { describe, expect, it } from 'vitest';
import { startAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load.js';
import { mosquittoMissingReason, startMosquitto } from '../helpers/broker.js';
import { capturingLog } from '../helpers/publisher-rig.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { startHaWatcher } from './ha-watcher.js';

const missing = mosquittoMissingReason();
const sensors = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id, driver: 'simulated', interval: '50ms', unit: '°C', name: `Sensor ${id}` }));

async function run(settings: string[], discovery: 'device' | 'entity', check: (ha: Awaited<ReturnType<typeof startHaWatcher>>, lines: ReturnType<typeof capturingLog>['lines'], url: string) => Promise<void>): Promise<void> {
  const broker = await startMosquitto({ settings });
  const dir = await makeTempDir('ha-limits-');
  const ha = await startHaWatcher(broker.url);
  const { log, lines } = capturingLog();
  const config = parseConfig(
    { device: { id: 'lim' }, mqtt: { url: broker.url, reconnect: { min: '100ms', max: '200ms' } }, store: { path: 'buffer' }, status: { listen: 'off' }, homeassistant: { enabled: true, discovery, announceDelay: '10ms' }, sensors },
    { env: {}, baseDir: dir.path, hostname: 'h' },
  );
  const agent = await startAgent(config, log);
  try {
    await check(ha, lines, broker.url);
  } finally {
    await agent.stop();
    await ha.stop();
    await broker.stop();
    await dir.cleanup();
  }
}

describe.skipIf(missing !== null)('Home Assistant discovery within the broker limits (mosquitto, MQTT 5)', () => {
  it('does not send a device message above the Maximum Packet Size, says so, and keeps publishing readings', async () => {
    await run(['max_packet_size 2048'], 'device', async (ha, lines) => {
      await ha.waitFor(() => lines.some((line) => line.msg.includes("larger than the broker's Maximum Packet Size")), 'the warning');
      await ha.waitFor(() => ha.on('sensors/lim/a').length >= 3 && ha.on('sensors/lim/a/state').length >= 3, 'readings and states still flowing');
      expect(ha.on('homeassistant/device/lim/config')).toEqual([]);
    });
  });

  it('fits with entity discovery under the same limit', async () => {
    await run(['max_packet_size 2048'], 'entity', async (ha, lines) => {
      await ha.waitFor(() => ha.messages.filter((m) => m.topic.startsWith('homeassistant/sensor/lim/')).length >= sensors.length + 3, 'one config per value');
      expect(lines.some((line) => line.msg.includes('Maximum Packet Size'))).toBe(false);
    });
  });

  it('sends discovery unretained where the broker takes no retained messages, and again on HA online', async () => {
    await run(['retain_available false'], 'device', async (ha, _lines, url) => {
      await ha.waitFor(() => ha.on('homeassistant/device/lim/config').length >= 1, 'the discovery');
      const late = await startHaWatcher(url);
      await ha.client.publishAsync('homeassistant/status', 'online', { qos: 1 });
      await ha.waitFor(() => ha.on('homeassistant/device/lim/config').length >= 2, 'the discovery after online');
      // Nothing was retained: a late subscriber got only what came after it subscribed.
      expect(late.messages.every((m) => !m.retain)).toBe(true);
      await late.stop();
    });
  });
});
