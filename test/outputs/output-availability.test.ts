// An output's availability topic (`<topicPrefix>/<id>/availability`, what HA's switch reads beside
// the device status): retained `online` while the line's level is confirmed, `offline` once the
// level is unknown (a line that failed a write and could not even confirm its safe state, here a
// simulated line closed under the agent). Real Aedes broker and MQTT client, the real OutputSet
// and command path; the connection is a stand-in that hands the client over as the agent's does.
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createSimulatedGpio } from '../../src/hardware/gpio/simulated-gpio.js';
import type { MqttConnection } from '../../src/mqtt/connection.js';
import { MqttOutputCommands } from '../../src/outputs/mqtt-commands.js';
import { OutputSet } from '../../src/outputs/output-set.js';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { until } from '../helpers/poll.js';

const PREFIX = 'sensors/av-1';

class StandInConnection extends EventEmitter {
  client: MqttClient | null = null;
  get isConnected(): boolean {
    return this.client !== null;
  }
  up(client: MqttClient): void {
    this.client = client;
    this.emit('up', client);
  }
}

describe('output availability', () => {
  let broker: AedesBroker;
  let agentClient: MqttClient;
  let watcher: MqttClient;
  let outputs: OutputSet | null = null;
  const seen: Array<{ topic: string; text: string; retain: boolean }> = [];
  const connect = (id: string) => mqtt.connectAsync(broker.url, { clean: true, reconnectPeriod: 0, clientId: `${id}-${Math.random().toString(16).slice(2)}` });

  beforeEach(async () => {
    broker = await startAedes();
    agentClient = await connect('agent');
    watcher = await connect('watcher');
    seen.length = 0;
    watcher.on('message', (topic, payload, packet) => void seen.push({ topic, text: payload.toString(), retain: packet.retain }));
    await watcher.subscribeAsync(`${PREFIX}/#`, { qos: 1 });
  });

  afterEach(async () => {
    await outputs?.stop();
    outputs = null;
    await watcher.endAsync(true);
    await agentClient.endAsync(true);
    await broker.stop();
  });

  it('is online while the level is confirmed and offline, retained, once the line cannot confirm any level', async () => {
    const config = parseConfig({ device: { id: 'av-1' }, sensors: [{ id: 'load', driver: 'simulated' }], outputs: [{ id: 'fan', driver: 'gpio-output', pin: 17 }] }, { env: {}, baseDir: '/', hostname: 'h' });
    const gpio = createSimulatedGpio(new Map());
    outputs = new OutputSet({ outputs: config.outputs, gpio, log: pino({ level: 'silent' }) });
    await outputs.start();
    const connection = new StandInConnection();
    const commands = new MqttOutputCommands({ connection: connection as unknown as MqttConnection, outputs, topicPrefix: PREFIX, qos: 1, log: pino({ level: 'silent' }) });
    commands.start();
    connection.up(agentClient);
    const last = (topic: string) => seen.filter((m) => m.topic === `${PREFIX}/${topic}`).at(-1)?.text;
    await until(() => last('fan') === 'OFF' && last('fan/availability') === 'online', 10_000, 'state OFF and availability online');

    await agentClient.publishAsync(`${PREFIX}/fan/set`, 'ON', { qos: 1 });
    await until(() => last('fan') === 'ON', 10_000, 'the confirmed ON');
    expect(last('fan/availability')).toBe('online');

    // The line goes away: the next write fails, the safe state cannot be confirmed either.
    await gpio.line(17)!.close();
    // A command within 100 ms of the last one is refused by the gate (and the state republished): send until one is taken.
    // Each command is answered: a refused one republishes the state, a taken one the new availability.
    for (let tries = 0; last('fan/availability') !== 'offline'; tries += 1) {
      expect(tries, 'commands until one passed the gate').toBeLessThan(1000);
      const count = seen.length;
      await agentClient.publishAsync(`${PREFIX}/fan/set`, 'OFF', { qos: 1 });
      await until(() => seen.length > count, 10_000, 'an answer to the command');
    }
    expect(outputs.snapshot()[0]).toMatchObject({ state: null, lastError: expect.stringContaining('BCM 17') });
    // The state topic keeps its last confirmed value; HA shows the switch unavailable instead of a stale ON.
    expect(last('fan')).toBe('ON');

    const late = await connect('late');
    const retained: Array<{ text: string; retain: boolean }> = [];
    late.on('message', (topic, payload, packet) => void (topic === `${PREFIX}/fan/availability` && retained.push({ text: payload.toString(), retain: packet.retain })));
    await late.subscribeAsync(`${PREFIX}/fan/availability`, { qos: 1 });
    await until(() => retained.length > 0, 10_000, 'the retained availability');
    expect(retained[0]).toEqual({ text: 'offline', retain: true });
    await late.endAsync(true);
    commands.stop();
  });
});
