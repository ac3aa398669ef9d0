// Scenario 10, broker limits: the built daemon against Mosquitto set to each limit it has
// (max_inflight_messages, max_packet_size, message_size_limit, max_qos, retain_available), on
// MQTT 5 and 3.1.1. Every reading is accounted for: delivered to a subscriber, or taken out as
// unsendable and counted on /status.json; Mosquitto's own log has no complaint about the agent
// (no "disconnected due to ...", no "Dropped too large PUBLISH"), apart from the one refused
// CONNECT a retained last will costs where retain is unavailable.
import { afterEach, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { join } from 'node:path';
import { mosquittoMissingReason, startMosquitto } from '../helpers/broker.js';
import { agentFolder, cleanupChildAgents, startChildAgent, writeConfig } from '../helpers/child-agent.js';
import { payloadSeqs } from '../helpers/strict-broker.js';
import { DEVICE_ID } from '../e2e/agent-config.js';
import { SLOW_START, TOPIC_PREFIX } from './helpers-agent.js';
import { recordResult } from '../helpers/results.js';

const missing = mosquittoMissingReason();
/** Readings the agent accepts before the figures are taken. */
const READINGS = 600;
const LONG_TOPIC = `${TOPIC_PREFIX}/${'x'.repeat(200)}`;

interface Case {
  name: string;
  promise: string;
  settings: string[];
  mqtt: Record<string, unknown>;
  sensors?: Array<Record<string, unknown>>;
  /** Refused CONNECTs Mosquitto may log (a retained will where retain is unavailable). */
  refusedConnects?: number;
  /** The sensor whose readings can never fit (all of them unsendable). */
  neverFits?: string;
}

const CASES: Case[] = [
  {
    name: 'max_inflight_messages 20, 3.1.1, QoS 2',
    promise: 'On 3.1.1 the default window (20, the birth included) stays within Mosquitto\'s default max_inflight_messages, so none of the excess is acknowledged and dropped.',
    settings: ['max_inflight_messages 20'],
    mqtt: { protocolVersion: 4, qos: 2 },
  },
  {
    name: 'max_inflight_messages 20, MQTT 5, QoS 2',
    promise: 'On MQTT 5 the window follows the Receive Maximum Mosquitto announces (20).',
    settings: ['max_inflight_messages 20'],
    mqtt: { protocolVersion: 5, qos: 2 },
  },
  {
    name: 'max_inflight_messages 1, MQTT 5, QoS 1',
    promise: 'Receive Maximum 1: one QoS 1 publish in flight, the birth counted, no 0x93 disconnect.',
    settings: ['max_inflight_messages 1'],
    mqtt: { protocolVersion: 5, qos: 1 },
  },
  {
    name: 'max_packet_size 1024, MQTT 5, batches of 200',
    promise: 'Batches are split to fit the Maximum Packet Size Mosquitto announces; no 0x95 disconnect.',
    settings: ['max_packet_size 1024'],
    mqtt: { protocolVersion: 5, qos: 1, batch: { maxReadings: 200, maxDelay: '300ms' } },
  },
  {
    name: 'message_size_limit 1000, MQTT 5, batches of 200',
    promise: 'A batch Mosquitto refuses as too large (PUBACK 0x95, no announced limit) is split and sent again; nothing stays stuck.',
    settings: ['message_size_limit 1000'],
    mqtt: { protocolVersion: 5, qos: 1, batch: { maxReadings: 200, maxDelay: '300ms' } },
  },
  {
    name: 'message_size_limit 1000, 3.1.1, batches of 200, mqtt.maxPacketSize 1000',
    promise: 'On 3.1.1, where Mosquitto acknowledges and drops an oversized publish, mqtt.maxPacketSize sized as the README says keeps every batch within it.',
    settings: ['message_size_limit 1000'],
    mqtt: { protocolVersion: 4, qos: 1, maxPacketSize: 1000, batch: { maxReadings: 200, maxDelay: '300ms' } },
  },
  {
    name: 'max_qos 1, MQTT 5, QoS 2 sensor',
    promise: 'A QoS 2 sensor is published at QoS 1 where the broker announces Maximum QoS 1; no 0x9B disconnect.',
    settings: ['max_qos 1'],
    mqtt: { protocolVersion: 5, qos: 2 },
  },
  {
    name: 'retain_available false, MQTT 5, retained readings',
    promise: 'Where retain is unavailable the agent connects (the retained will is refused once: CONNACK 0x9A) and publishes will, birth and readings without retain.',
    settings: ['retain_available false'],
    mqtt: { protocolVersion: 5, qos: 1, retain: true },
    refusedConnects: 1,
  },
  {
    name: 'retain_available false, 3.1.1',
    promise: 'On 3.1.1, where Mosquitto just closes a CONNECT with a retained will, the agent tries a will without retain and gets through.',
    settings: ['retain_available false'],
    mqtt: { protocolVersion: 4, qos: 1 },
    refusedConnects: 2,
  },
  {
    name: 'max_packet_size 200, MQTT 5, one sensor never fits',
    promise: 'Readings that can never fit the Maximum Packet Size are taken out of the queue and counted (mqtt.unsendable); the other sensor\'s readings are all delivered.',
    settings: ['max_packet_size 200'],
    mqtt: { protocolVersion: 5, qos: 1 },
    sensors: [{ id: 'wide', driver: 'simulated', interval: '100ms', signal: 'counter', burst: 5, decimals: 0, topic: LONG_TOPIC }],
    neverFits: 'wide',
  },
];

/** A subscriber that expands batch payloads into seqs and notes QoS and retain per message. */
async function startLimitSubscriber(url: string): Promise<{ client: MqttClient; seqs: Map<number, string>; retained: number; qos: Set<number> }> {
  const client = await mqtt.connectAsync(url, { clientId: `limits-sub-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 200 });
  const state = { client, seqs: new Map<number, string>(), retained: 0, qos: new Set<number>() };
  client.on('message', (topic, payload, packet) => {
    if (topic.endsWith('/status') || topic.endsWith('/health')) return;
    if (packet.retain) state.retained += 1;
    state.qos.add(packet.qos);
    for (const seq of payloadSeqs(payload.toString())) state.seqs.set(seq, topic);
  });
  await client.subscribeAsync(`${TOPIC_PREFIX}/#`, { qos: 2 });
  return state;
}

describe.skipIf(missing !== null)('fault scenario 10: broker limits (Mosquitto)', () => {
  afterEach(async () => {
    await cleanupChildAgents();
  });

  it.each(CASES)('$name', async (scenario) => {
    const broker = await startMosquitto({ settings: scenario.settings, log: true });
    const subscriber = await startLimitSubscriber(broker.url);
    try {
      const dir = await agentFolder('faults-limits-');
      const config = {
        device: { id: DEVICE_ID },
        mqtt: { url: broker.url, keepalive: '2s', reconnect: { min: '100ms', max: '300ms' }, ...scenario.mqtt },
        store: { path: join(dir, 'buffer'), commitInterval: '200ms' },
        status: { listen: '127.0.0.1:0' },
        log: { level: 'info' },
        sensors: [{ id: 'load', driver: 'simulated', interval: '100ms', signal: 'counter', burst: 20, decimals: 0 }, ...(scenario.sensors ?? [])],
      };
      const agent = await startChildAgent(await writeConfig(dir, config), SLOW_START);
      const taken = await agent.waitForStatus((status) => status.buffer.lastSeq >= READINGS, 60_000, `${READINGS} readings accepted`);
      const accepted = taken.buffer.lastSeq;
      // Readings of the never-fitting sensor among them: counted as unsendable, never delivered.
      const acceptedNeverFit = taken.sensors.find((sensor) => sensor.id === scenario.neverFits)?.readingsAccepted ?? 0;
      const deliveredUpTo = (): number => {
        let count = 0;
        for (let seq = 1; seq <= accepted; seq += 1) if (subscriber.seqs.has(seq)) count += 1;
        return count;
      };
      // Every seq up to `accepted` is delivered or counted as unsendable.
      const settled = await agent.waitForStatus(
        (status) => deliveredUpTo() + Math.min(status.mqtt.unsendable, acceptedNeverFit) >= accepted,
        60_000,
        'every reading delivered or counted as unsendable',
      );
      const delivered = deliveredUpTo();
      const unsendable = Math.min(settled.mqtt.unsendable, acceptedNeverFit);
      const exitCode = await agent.stop();
      await broker.kill(); // Mosquitto flushes its log file on exit
      const brokerLog = await broker.log();
      const complaints = brokerLog.split('\n').filter((line) => /disconnected due to|Dropped too large|exceeded|protocol error/i.test(line));
      const figures = {
        accepted,
        unsendableTotal: settled.mqtt.unsendable,
        delivered,
        unsendable,
        lost: accepted - delivered - unsendable,
        duplicates: null,
        protocolVersion: settled.mqtt.limits?.protocolVersion ?? null,
        window: settled.mqtt.limits?.window ?? null,
        maxPacketSize: settled.mqtt.limits?.maxPacketSize ?? null,
        maximumQoS: settled.mqtt.limits?.maximumQoS ?? null,
        retainAvailable: settled.mqtt.limits?.retainAvailable ?? null,
        reconnects: settled.mqtt.reconnects,
        brokerComplaints: complaints.length,
        retainedReadings: subscriber.retained,
        qosSeen: [...subscriber.qos].sort(),
        exitCode,
      };
      const ok =
        figures.lost === 0 &&
        complaints.length <= (scenario.refusedConnects ?? 0) &&
        (scenario.neverFits ? unsendable > 0 : unsendable === 0) &&
        exitCode === 0;
      recordResult({ scenario: `10 broker limits: ${scenario.name}`, promise: scenario.promise, ok, ...figures, complaintSample: complaints.slice(0, 3).map((line) => line.replace(/^\d+: /, '')) });
      expect(figures.lost).toBe(0);
      expect(complaints.length).toBeLessThanOrEqual(scenario.refusedConnects ?? 0);
      expect(exitCode).toBe(0);
      if (scenario.neverFits) {
        expect(unsendable).toBeGreaterThan(0);
        expect([...subscriber.seqs.values()].every((topic) => topic !== LONG_TOPIC)).toBe(true);
      } else expect(unsendable).toBe(0);
      if (scenario.settings.includes('retain_available false')) expect(subscriber.retained).toBe(0);
      if (scenario.settings.includes('max_qos 1')) expect(Math.max(...subscriber.qos)).toBeLessThanOrEqual(1);
    } finally {
      await subscriber.client.endAsync(true);
      await broker.stop();
    }
  });
});
