// The publisher against real brokers (Aedes in-process; Mosquitto when installed), a real
// LevelDB buffer, and a TCP proxy that cuts and black-holes the link.
import { afterEach, describe, expect } from 'vitest';
import { mosquittoMissingReason } from '../helpers/broker.js';
import { BROKER_KINDS, mqttTest } from '../helpers/mqtt-fixtures.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';
import { missingSeqs, type Subscriber } from '../helpers/subscriber.js';
import { startPublisherRig, until, type PublisherRig } from '../helpers/publisher-rig.js';

const mosquittoMissing = mosquittoMissingReason();
if (mosquittoMissing) console.warn(`skipping the Mosquitto variant of the publisher tests: ${mosquittoMissing}`);

describe.each(BROKER_KINDS)('publisher with $name', ({ name }) => {
  const it = mqttTest.override('brokerKind', name);
  let proxy: TcpProxy;
  let subscriber: Subscriber;
  let rig: PublisherRig | null = null;

  it.beforeEach(({ proxy: linked, subscriber: listening }) => {
    proxy = linked;
    subscriber = listening;
  });

  afterEach(async () => {
    await rig?.stop();
    rig = null;
  });

  it.each([0, 1, 2] as const)('delivers QoS %i readings in seq order with the documented payload, then deletes them', async (qos) => {
    rig = await startPublisherRig({ brokerUrl: proxy.url, qos });
    await rig.waitConnected();
    const lastSeq = await rig.appendBurst(300);
    await subscriber.waitForAll(lastSeq);
    const seqs = subscriber.readings.map((reading) => reading.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const first = subscriber.readings[0];
    expect(first?.topic).toBe('sensors/test/probe');
    expect(first).toMatchObject({ seq: 1, v: { value: 0 } });
    expect(typeof first?.ts).toBe('number');
    await until(() => rig!.buffer.stats().backlog === 0, 10_000, 'an empty backlog');
  });

  it('keeps publishing when deleting acknowledged readings fails (no unhandled rejection)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      rig = await startPublisherRig({ brokerUrl: proxy.url });
      await rig.waitConnected();
      const ack = rig.buffer.ack.bind(rig.buffer);
      let failures = 0;
      rig.buffer.ack = async (seqs) => {
        if (failures++ === 0) throw new Error('LEVEL_DATABASE_NOT_OPEN: Database is not open');
        return ack(seqs);
      };
      await rig.appendBurst(50);
      await until(() => failures > 0, 10_000, 'a failed delete');
      const lastSeq = await rig.appendBurst(50);
      await subscriber.waitFor(() => subscriber.readings.some((reading) => reading.seq === lastSeq), 10_000, 'readings after the failure');
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('publishes a retained online birth message, and the last will says offline when the link is cut', async () => {
    rig = await startPublisherRig({ brokerUrl: proxy.url });
    await rig.waitConnected();
    await subscriber.waitFor(() => subscriber.statuses.some((status) => status.state === 'online'), 10_000, 'the birth message');
    expect(subscriber.statuses.find((status) => status.state === 'online')).toMatchObject({ version: 'test', dropped: 0 });
    proxy.cut();
    await subscriber.waitFor(() => subscriber.statuses.at(-1)?.state === 'offline', 10_000, 'the last will');
    proxy.restore();
    await subscriber.waitFor(() => subscriber.statuses.at(-1)?.state === 'online', 10_000, 'the birth after reconnect');
  });

  it.each([1, 2] as const)('loses nothing at QoS %i when the link is cut in the middle of a burst', async (qos) => {
    rig = await startPublisherRig({ brokerUrl: proxy.url, qos, maxInflight: 32 });
    await rig.waitConnected();
    const burst = rig.appendBurst(3000);
    await until(() => subscriber.readings.length > 200, 10_000, 'the drain to be under way');
    proxy.cut();
    const lastSeq = await burst;
    await until(() => !rig!.connection.isConnected, 10_000, 'the publisher to notice the cut');
    expect(rig.buffer.stats().backlog).toBeGreaterThan(0);
    proxy.restore();
    await subscriber.waitForAll(lastSeq);
    expect(missingSeqs(subscriber.seqs(), lastSeq)).toEqual([]);
    await until(() => rig!.buffer.stats().backlog === 0, 10_000, 'an empty backlog');
  });

  it('resends readings that were in flight when the peer went silent, and notices the dead link within 1.5x keepalive', async () => {
    rig = await startPublisherRig({ brokerUrl: proxy.url, qos: 1, keepaliveMs: 1000 });
    await rig.waitConnected();
    proxy.blackhole();
    const silentSince = Date.now();
    const lastSeq = await rig.appendBurst(50);
    await until(() => !rig!.connection.isConnected, 10_000, 'the dead link to be noticed');
    const noticedAfterMs = Date.now() - silentSince;
    console.log(JSON.stringify({ blackholeNoticedAfterMs: noticedAfterMs, keepaliveMs: 1000 }));
    expect(rig.buffer.stats().backlog).toBe(50);
    proxy.restore();
    await subscriber.waitForAll(lastSeq);
    await until(() => rig!.buffer.stats().backlog === 0, 10_000, 'an empty backlog');
  });

  it('keeps readings in the buffer while the broker is unreachable and drains them when it appears', async () => {
    proxy.cut();
    rig = await startPublisherRig({ brokerUrl: proxy.url, qos: 1 });
    const lastSeq = await rig.appendBurst(500);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(rig.buffer.stats().backlog).toBe(500);
    expect(rig.connection.client).toBeNull();
    proxy.restore();
    await subscriber.waitForAll(lastSeq);
    await until(() => rig!.buffer.stats().backlog === 0, 10_000, 'an empty backlog');
  });
});
