// mqtt.batch: several readings of one sensor in one message, acked and deleted as a unit.
import { afterEach, describe, expect } from 'vitest';
import { BROKER_KINDS, mqttTest } from '../helpers/mqtt-fixtures.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';
import { startPublisherRig, until, type PublisherRig } from '../helpers/publisher-rig.js';
import type { RawSubscriber } from '../helpers/raw-subscriber.js';
import { missingSeqs } from '../helpers/subscriber.js';

describe.each(BROKER_KINDS)('batches with $name', ({ name }) => {
  const it = mqttTest.override('brokerKind', name);
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

  it('publishes {"seq0":N,"dseq":[...],"ts0":MS,"dts":[...],"v":[...]} per sensor, full batches at once and the rest after maxDelay', async () => {
    rig = await startPublisherRig({ brokerUrl: proxy.url, batch: { maxReadings: 10, maxDelayMs: 300 }, sensors: [{ id: 'a' }, { id: 'b' }] });
    await rig.waitConnected();
    const lastA = await rig.appendBurst(25, 'a');
    const lastB = await rig.appendBurst(3, 'b');
    await until(() => subscriber.seqs().length >= 28, 10_000, 'every reading');
    const forA = subscriber.messages.filter((message) => message.topic === 'sensors/test/a');
    const forB = subscriber.messages.filter((message) => message.topic === 'sensors/test/b');
    expect(forA.map((message) => message.seqs.length)).toEqual([10, 10, 5]);
    expect(forB.map((message) => message.seqs)).toEqual([[lastB - 2, lastB - 1, lastB]]);
    expect(forA.flatMap((message) => message.seqs)).toEqual(Array.from({ length: 25 }, (_, i) => lastA - 24 + i));
    const first = forA[0]!.body;
    expect(Object.keys(first)).toEqual(['seq0', 'dseq', 'ts0', 'dts', 'v']);
    expect(first.seq0).toBe(lastA - 24);
    expect(first.dseq).toEqual(Array.from({ length: 9 }, () => 1));
    expect((first.dts as number[]).every((ts) => Number.isInteger(ts))).toBe(true);
    expect((first.v as unknown[]).slice(0, 2)).toEqual([{ value: 0 }, { value: 1 }]);
    await until(() => rig!.buffer.stats().backlog === 0, 10_000, 'an empty backlog');
  });

  it('acks a batch as a unit: all its seqs are deleted in the same buffer write', async () => {
    rig = await startPublisherRig({ brokerUrl: proxy.url, batch: { maxReadings: 7, maxDelayMs: 100 } });
    const ackCalls: number[][] = [];
    const buffer = rig.buffer;
    const ack = buffer.ack.bind(buffer);
    buffer.ack = (seqs) => {
      ackCalls.push([...seqs]);
      return ack(seqs);
    };
    await rig.waitConnected();
    const lastSeq = await rig.appendBurst(200);
    await until(() => buffer.stats().backlog === 0, 10_000, 'an empty backlog');
    // Acknowledged by the broker; its delivery of the last ones to the subscriber may still be on the way.
    await until(() => missingSeqs(subscriber.seqs(), lastSeq).length === 0, 5_000, 'every seq at the subscriber').catch(() => undefined);
    expect(missingSeqs(subscriber.seqs(), lastSeq)).toEqual([]);
    for (const message of subscriber.messages) {
      const call = ackCalls.find((seqs) => seqs.includes(message.seqs[0]!));
      expect(call, `the ack of batch ${message.seqs[0]}`).toBeDefined();
      expect(message.seqs.every((seq) => call!.includes(seq))).toBe(true);
    }
  });

  it.each([1, 2] as const)('loses nothing at QoS %i when the link is cut in the middle of batches', async (qos) => {
    rig = await startPublisherRig({ brokerUrl: proxy.url, qos, maxInflight: 8, batch: { maxReadings: 20, maxDelayMs: 200 } });
    await rig.waitConnected();
    const burst = rig.appendBurst(4000);
    await until(() => subscriber.messages.length > 5, 10_000, 'the drain to be under way');
    proxy.cut();
    const lastSeq = await burst;
    await until(() => !rig!.connection.isConnected, 10_000, 'the publisher to notice the cut');
    expect(rig.buffer.stats().backlog).toBeGreaterThan(0);
    proxy.restore();
    await until(() => missingSeqs(subscriber.seqs(), lastSeq).length === 0, 30_000, 'every seq');
    await until(() => rig!.buffer.stats().backlog === 0, 10_000, 'an empty backlog');
  });
});
