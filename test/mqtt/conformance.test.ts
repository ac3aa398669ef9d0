// The publisher against a strict broker (test/helpers/strict-broker.ts) that announces one limit
// at a time and fails on any packet that breaks it: every limit in CONNACK is honoured, and every
// reading is accounted for (delivered, or taken out as unsendable and counted).
import { afterEach, describe, expect, it } from 'vitest';
import { startStrictBroker, type StrictBroker, type StrictBrokerOptions } from '../helpers/strict-broker.js';
import { capturingLog, startPublisherRig, until, type PublisherRig, type RigOptions } from '../helpers/publisher-rig.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

let broker: StrictBroker | null = null;
let rig: PublisherRig | null = null;
let proxy: TcpProxy | null = null;

afterEach(async () => {
  await proxy?.stop();
  proxy = null;
  await rig?.stop();
  rig = null;
  await broker?.stop();
  broker = null;
});

async function start(limits: StrictBrokerOptions, options: Partial<RigOptions> = {}): Promise<{ broker: StrictBroker; rig: PublisherRig }> {
  broker = await startStrictBroker({ ackDelayMs: 5, ...limits });
  rig = await startPublisherRig({ brokerUrl: broker.url, ...options });
  await rig.waitConnected();
  return { broker, rig };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sortedUnique = (seqs: number[]): number[] => [...new Set(seqs)].sort((a, b) => a - b);

async function allDelivered(strict: StrictBroker, lastSeq: number, what = 'every reading'): Promise<void> {
  await until(() => new Set(strict.seqs()).size >= lastSeq, 20_000, what);
}

describe('broker limits (strict broker)', () => {
  it.each([
    [1, 1],
    [1, 2],
    [2, 2],
    [5, 1],
  ] as const)('keeps Receive Maximum %i at QoS %i, the birth included, and delivers everything', async (receiveMaximum, qos) => {
    const { broker: strict, rig: agent } = await start({ receiveMaximum, ackDelayMs: 20 }, { qos });
    const lastSeq = await agent.appendBurst(100);
    await allDelivered(strict, lastSeq);
    expect(strict.violations).toEqual([]);
    expect(strict.maxInflightSeen).toBeLessThanOrEqual(receiveMaximum);
    expect(strict.connects).toHaveLength(1);
    expect(strict.delivered.filter((message) => message.topic.endsWith('/status'))).toHaveLength(1);
  });

  it('splits batches to fit Maximum Packet Size 256 and loses nothing at QoS 0, 1 and 2', async () => {
    for (const qos of [0, 1, 2] as const) {
      const strict = await startStrictBroker({ ackDelayMs: 2, maximumPacketSize: 256 });
      const agent = await startPublisherRig({ brokerUrl: strict.url, qos, batch: { maxReadings: 50, maxDelayMs: 20 } });
      try {
        await agent.waitConnected();
        const lastSeq = await agent.appendBurst(814);
        await allDelivered(strict, lastSeq, `every reading at QoS ${qos}`);
        expect(strict.violations).toEqual([]);
        expect(sortedUnique(strict.seqs())).toEqual(range(1, lastSeq));
        // Split, not one reading per message: several readings still share a packet.
        expect(strict.delivered.length).toBeLessThan(lastSeq / 2);
        expect(agent.publisher.unsendable).toBe(0);
      } finally {
        await agent.stop();
        await strict.stop();
      }
    }
  });

  it('takes a reading that can never fit out of the queue, counts it and logs it once, and delivers the rest', async () => {
    const { log, lines } = capturingLog();
    const { broker: strict, rig: agent } = await start({ maximumPacketSize: 256 }, { log });
    const wide = Object.fromEntries(range(0, 39).map((i) => [`voltage${i}`, 1.234 + i]));
    await agent.buffer.append({ sensor: 'probe', ts: Date.now(), values: { value: -1 } });
    const big = await agent.buffer.append({ sensor: 'probe', ts: Date.now(), values: wide });
    await agent.buffer.append({ sensor: 'probe', ts: Date.now(), values: wide });
    const lastSeq = await agent.appendBurst(50);
    await until(() => agent.buffer.stats().backlog === 0, 20_000, 'an empty backlog');
    expect(strict.violations).toEqual([]);
    expect(agent.publisher.unsendable).toBe(2);
    const delivered = sortedUnique(strict.seqs());
    expect(delivered).toEqual(range(1, lastSeq).filter((seq) => seq !== big!.seq && seq !== big!.seq + 1));
    expect(lines.filter((line) => line.level === 40 && line.msg.includes('Maximum Packet Size (256 bytes)'))).toHaveLength(1);
    // Accounted for: delivered + unsendable = every reading accepted.
    expect(delivered.length + agent.publisher.unsendable).toBe(lastSeq);
  });

  it('shortens a birth message that does not fit Maximum Packet Size', async () => {
    const { broker: strict } = await start({ maximumPacketSize: 60 });
    await until(() => strict.delivered.some((message) => message.topic.endsWith('/status')), 10_000, 'the birth');
    expect(strict.delivered.find((message) => message.topic.endsWith('/status'))?.payload).toBe('{"state":"online"}');
    expect(strict.violations).toEqual([]);
  });

  it('publishes a QoS 2 sensor at QoS 1 on a broker announcing Maximum QoS 1, with one warning', async () => {
    const { log, lines } = capturingLog();
    const { broker: strict, rig: agent } = await start({ maximumQoS: 1 }, { qos: 2, log });
    const lastSeq = await agent.appendBurst(100);
    await allDelivered(strict, lastSeq);
    strict.disconnectAll(0x8b, 'restart');
    await until(() => strict.connects.length === 2 && agent.connection.isConnected, 10_000, 'a second connection');
    const more = await agent.appendBurst(10);
    await allDelivered(strict, more);
    expect(strict.violations).toEqual([]);
    expect(new Set(strict.delivered.map((message) => message.qos))).toEqual(new Set([1]));
    expect(lines.filter((line) => line.level === 40 && line.msg.includes('at most QoS 1'))).toHaveLength(1);
  });

  it('on MQTT 5 without Retain Available: reconnects without a retained will, and retains nothing', async () => {
    const { log, lines } = capturingLog();
    const { broker: strict, rig: agent } = await start({ retainAvailable: false }, { sensors: [{ id: 'probe', retain: true }], log });
    const lastSeq = await agent.appendBurst(50);
    await allDelivered(strict, lastSeq);
    expect(strict.refusedConnects).toEqual(['retained last will, retain not available']);
    expect(strict.violations).toEqual([]);
    expect(strict.delivered.some((message) => message.retain)).toBe(false);
    expect(strict.connects.at(-1)?.will?.retain).toBe(false);
    expect(lines.some((line) => line.level === 40 && line.msg.includes('does not support retained messages'))).toBe(true);
  });

  it('on 3.1.1, where a broker hangs up at a retained will: tries without retain and gets through', async () => {
    const { broker: strict, rig: agent } = await start({ retainAvailable: false }, { protocolVersion: 4 });
    const lastSeq = await agent.appendBurst(50);
    await allDelivered(strict, lastSeq);
    expect(strict.refusedConnects).toHaveLength(2);
    expect(strict.connects.at(-1)?.will?.retain).toBe(false);
    expect(strict.delivered.some((message) => message.retain)).toBe(false);
    expect(strict.violations).toEqual([]);
  });

  it('uses at most Topic Alias Maximum 2 aliases for five topics', async () => {
    const sensors = range(1, 5).map((i) => ({ id: `s${i}` }));
    const { broker: strict, rig: agent } = await start({ topicAliasMaximum: 2 }, { sensors });
    let lastSeq = 0;
    for (let round = 0; round < 10; round++) for (const sensor of sensors) lastSeq = await agent.appendBurst(3, sensor.id);
    await allDelivered(strict, lastSeq);
    expect(strict.violations).toEqual([]);
    expect(new Set(strict.delivered.map((message) => message.topic)).size).toBe(6);
  });

  it("pings within the broker's Server Keep Alive, not the agent's longer keepalive", async () => {
    const { broker: strict, rig: agent } = await start({ serverKeepAlive: 1 }, { keepaliveMs: 30_000 });
    await until(() => strict.pings >= 2, 10_000, 'two pings');
    expect(strict.violations).toEqual([]);
    expect(agent.connection.isConnected).toBe(true);
  });

  it('on 3.1.1 keeps a window of 20 (Mosquitto default max_inflight_messages) and 64 KiB packets unless configured', async () => {
    const { broker: strict, rig: agent } = await start({ receiveMaximum: 20, maximumPacketSize: 65_536 }, { protocolVersion: 4, qos: 2, batch: { maxReadings: 1000, maxDelayMs: 20 } });
    const wide = Object.fromEntries(range(0, 9).map((i) => [`voltage${i}`, 1.234 + i]));
    const stored = await Promise.all(range(1, 3000).map(() => agent.buffer.append({ sensor: 'probe', ts: Date.now(), values: wide })));
    await allDelivered(strict, stored.at(-1)!.seq);
    expect(strict.violations).toEqual([]);
    expect(agent.publisher.unsendable).toBe(0);
  });
});

describe('protocol fallback, refusals and server DISCONNECT (strict broker)', () => {
  it.each([4, 5] as const)('on MQTT %i, a broker that took the full will keeps it through an outage of bare closes (a restart behind a proxy)', async (protocolVersion) => {
    broker = await startStrictBroker({ ackDelayMs: 5 });
    proxy = await startTcpProxy(broker.port);
    rig = await startPublisherRig({ brokerUrl: proxy.url, protocolVersion });
    await rig.waitConnected();
    let failed = 0;
    rig.connection.on('retrying', () => (failed += 1));
    // cut(): every new connection is accepted and closed at once, as a proxy or load balancer in
    // front of a restarting broker does: more than enough bare closes to look like a refused will.
    proxy.cut();
    await until(() => failed >= 6, 20_000, 'six attempts answered by a bare close');
    proxy.restore();
    await until(() => rig!.connection.isConnected, 20_000, 'the reconnect');
    const lastSeq = await rig.appendBurst(20);
    await allDelivered(broker, lastSeq);
    const last = broker.connects.at(-1);
    expect(last?.protocolVersion).toBe(protocolVersion);
    expect(last?.will?.retain).toBe(true);
    expect(broker.delivered.filter((message) => message.topic.endsWith('/status')).every((message) => message.retain)).toBe(true);
  });

  it('falls back to 3.1.1 after MQTT 5 CONNECTs answered by a close, remembers it, logs it once', async () => {
    const { log, lines } = capturingLog();
    const { broker: strict, rig: agent } = await start({ hangUpOnMqtt5: true }, { log });
    expect(strict.connects.map((connect) => connect.protocolVersion)).toEqual([5, 5, 5, 4]);
    strict.disconnectAll(0);
    await until(() => strict.connects.length === 5 && agent.connection.isConnected, 10_000, 'the reconnect');
    expect(strict.connects.at(-1)?.protocolVersion).toBe(4);
    const lastSeq = await agent.appendBurst(20);
    await allDelivered(strict, lastSeq);
    expect(lines.filter((line) => line.msg.includes('using MQTT 3.1.1'))).toHaveLength(1);
  });

  it('retries a refused publish (0x97 quota exceeded) on the live connection, the refused ones in seq order', async () => {
    let refusals = 0;
    const refusedSeqs: number[] = [];
    const { broker: strict, rig: agent } = await start({
      refuse: (publish) => {
        if (publish.topic.endsWith('/status') || refusals >= 5) return 0;
        refusals += 1;
        refusedSeqs.push(JSON.parse(publish.payload.toString()).seq as number);
        return 0x97;
      },
    });
    const lastSeq = await agent.appendBurst(100);
    await allDelivered(strict, lastSeq);
    expect(strict.connects).toHaveLength(1);
    expect(sortedUnique(strict.seqs())).toEqual(range(1, lastSeq));
    const retried = strict.seqs().filter((seq) => refusedSeqs.includes(seq));
    expect(retried).toEqual([...new Set(refusedSeqs)].sort((a, b) => a - b));
    expect(agent.publisher.refusalStats.total).toBe(5);
    expect(agent.publisher.refusalStats.last).toMatchObject({ reasonCode: 0x97, inARow: 0, persistent: false });
  });

  it('makes a persistent refusal (0x87 not authorized) an error, keeps the readings, and sends them once allowed', async () => {
    const { log, lines } = capturingLog();
    let allowed = false;
    const { broker: strict, rig: agent } = await start({ refuse: (publish) => (allowed || publish.topic.endsWith('/status') ? 0 : 0x87) }, { log });
    const lastSeq = await agent.appendBurst(10);
    await until(() => agent.publisher.refusalStats.last?.persistent === true, 20_000, 'a persistent refusal');
    expect(agent.publisher.refusalStats.last).toMatchObject({ reasonCode: 0x87, reason: 'Not authorized', topic: 'sensors/test/probe' });
    expect(lines.filter((line) => line.level === 50 && line.msg.includes('keeps refusing'))).toHaveLength(1);
    expect(agent.buffer.stats().backlog).toBe(lastSeq);
    allowed = true;
    await allDelivered(strict, lastSeq);
    expect(strict.connects).toHaveLength(1);
  });

  it("logs the broker's DISCONNECT reason code and string, and no publish refusal for it", async () => {
    const { log, lines } = capturingLog();
    const { broker: strict, rig: agent } = await start({ ackDelayMs: 200 }, { log });
    await agent.appendBurst(50);
    await until(() => agent.publisher.inflight > 10, 10_000, 'publishes in flight');
    strict.disconnectAll(0x89, 'overloaded');
    await until(() => lines.some((line) => line.msg.includes('mqtt disconnected')), 10_000, 'the disconnect');
    expect(lines.find((line) => line.msg.includes('mqtt disconnected'))?.reason).toBe('broker disconnected: 0x89 Server busy (overloaded)');
    expect(lines.some((line) => /refused/.test(line.msg))).toBe(false);
  });
});
