// The publisher drained from the in-memory queue (test/helpers/memory-queue.ts, the same publish-
// side contract as the LevelDB buffer: test/buffer/queue-contract.ts), against Aedes through the
// TCP fault proxy: the reader per connection, closed when the link goes down, without LevelDB.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAedes, type TestBroker } from '../helpers/broker.js';
import { MemoryQueue } from '../helpers/memory-queue.js';
import { silentLog, until } from '../helpers/publisher-rig.js';
import { missingSeqs, startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { MqttConnection } from '../../src/mqtt/connection.js';
import { Publisher } from '../../src/mqtt/publisher.js';
import { Routes } from '../../src/mqtt/topics.js';

describe('publisher over the in-memory queue', () => {
  let broker: TestBroker;
  let proxy: TcpProxy;
  let subscriber: Subscriber;
  let queue: MemoryQueue;
  let connection: MqttConnection;
  let publisher: Publisher;

  beforeEach(async () => {
    broker = await startAedes();
    proxy = await startTcpProxy(broker.port);
    subscriber = await startSubscriber(broker.url);
    queue = new MemoryQueue();
    const routes = new Routes({ topicPrefix: 'sensors/test', qos: 1, retain: false }, [{ id: 'probe' }]);
    connection = new MqttConnection(
      { url: proxy.url, clientId: `agent-${Math.random().toString(16).slice(2)}`, protocolVersion: 5, keepaliveMs: 30_000, statusTopic: routes.statusTopic, connectTimeoutMs: 2000 },
      { minMs: 50, maxMs: 300 },
      silentLog,
    );
    publisher = new Publisher({ connection, source: queue, routes, maxInflight: 16, version: 'test', log: silentLog });
    publisher.start();
    await until(() => connection.isConnected, 10_000, 'the connection');
  });

  afterEach(async () => {
    await publisher.stop(1000);
    await subscriber.stop();
    await proxy.stop();
    await broker.stop();
  });

  it('releases the in-flight readings when the link is cut, and resends them after it is back', async () => {
    proxy.blackhole();
    let lastSeq = 0;
    for (let i = 0; i < 40; i++) lastSeq = (await queue.append({ sensor: 'probe', ts: Date.now(), values: { value: i } })).seq;
    await until(() => publisher.inflight === 16 && queue.inFlight().length >= 16, 10_000, 'a full window in flight');
    proxy.cut();
    await until(() => !connection.isConnected, 10_000, 'the publisher to notice the cut');
    expect(queue.inFlight()).toEqual([]);
    expect(queue.stats().backlog).toBe(40);
    proxy.restore();
    await subscriber.waitForAll(lastSeq);
    expect(missingSeqs(subscriber.seqs(), lastSeq)).toEqual([]);
    await until(() => queue.stats().backlog === 0, 10_000, 'an empty queue');
    expect(queue.inFlight()).toEqual([]);
  });
});
