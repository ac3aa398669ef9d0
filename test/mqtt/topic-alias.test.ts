// MQTT 5 topic aliases: used when the broker's CONNACK allows them, and never carried over into a
// new connection (the broker forgets them on disconnect). Needs Mosquitto: Aedes speaks only 3.1.1.
import { afterEach, describe, expect } from 'vitest';
import { mosquittoMissingReason } from '../helpers/broker.js';
import { mqttTest } from '../helpers/mqtt-fixtures.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';
import { startPublisherRig, until, type PublisherRig } from '../helpers/publisher-rig.js';
import type { RawSubscriber } from '../helpers/raw-subscriber.js';
import { missingSeqs } from '../helpers/subscriber.js';

const mosquittoMissing = mosquittoMissingReason();
if (mosquittoMissing) console.warn(`skipping the topic alias tests (Aedes does not speak MQTT 5): ${mosquittoMissing}`);

describe.skipIf(mosquittoMissing !== null)('topic aliases with mosquitto', () => {
  const it = mqttTest.override('brokerKind', 'mosquitto');
  let proxy: TcpProxy;
  let subscriber: RawSubscriber;
  let rig: PublisherRig | null = null;

  it.beforeEach(({ proxy: linked, rawSubscriber }) => {
    proxy = linked;
    subscriber = rawSubscriber;
  });

  afterEach(async () => {
    await rig?.stop();
    rig = null;
  });

  async function bytesPerReading(protocolVersion: 4 | 5): Promise<number> {
    rig = await startPublisherRig({ brokerUrl: proxy.url, protocolVersion, qos: 0, sensors: [{ id: 'a-long-sensor-name' }] });
    await rig.waitConnected();
    await until(() => proxy.bytesUp > 0, 5000, 'the connect');
    const before = proxy.bytesUp;
    const lastSeq = await rig.appendBurst(200, 'a-long-sensor-name');
    await until(() => rig!.buffer.stats().backlog === 0, 10_000, 'an empty backlog');
    await until(() => subscriber.seqs().length >= lastSeq, 10_000, 'every reading');
    const perReading = (proxy.bytesUp - before) / 200;
    await rig.stop();
    rig = null;
    subscriber.messages.length = 0;
    return perReading;
  }

  it('sends the topic once and then only its alias, and the subscriber still gets the full topic', async () => {
    const withoutAliases = await bytesPerReading(4);
    const withAliases = await bytesPerReading(5);
    console.log(JSON.stringify({ wireBytesPerReading: { mqtt311: withoutAliases, mqtt5Aliases: withAliases } }));
    // The topic sensors/test/a-long-sensor-name is 30 bytes; an alias property is 3.
    expect(withoutAliases - withAliases).toBeGreaterThan(20);
  });

  it('assigns aliases afresh on each connection and reuses them when there are more topics than aliases', async () => {
    const sensors = Array.from({ length: 14 }, (_, i) => ({ id: `s${i}` }));
    rig = await startPublisherRig({ brokerUrl: proxy.url, protocolVersion: 5, qos: 1, sensors });
    await rig.waitConnected();
    for (const { id } of sensors) await rig.appendBurst(3, id);
    await until(() => subscriber.seqs().length >= 42, 10_000, 'the first round');
    proxy.cut();
    await until(() => !rig!.connection.isConnected, 10_000, 'the cut to be noticed');
    let lastSeq = 0;
    for (const { id } of sensors) lastSeq = await rig.appendBurst(3, id);
    proxy.restore();
    await until(() => missingSeqs(subscriber.seqs(), lastSeq).length === 0, 20_000, 'every seq after the reconnect');
    expect(rig.connection.reconnects).toBe(1); // a stale alias would get us disconnected again
    for (const message of subscriber.messages) {
      expect(message.topic).toMatch(/^sensors\/test\/s\d+$/);
      expect(message.body.v).toEqual({ value: expect.any(Number) });
    }
    // Each sensor's three readings of a round went to its own topic, in seq order.
    for (const { id } of sensors) {
      const seqs = subscriber.messages.filter((message) => message.topic === `sensors/test/${id}`).flatMap((message) => message.seqs);
      expect(new Set(seqs).size).toBe(6);
    }
  });
});
