// The broker + link + subscriber set-up of the publisher tests, as vitest fixtures: a test (or a
// hook) that names `proxy` gets a real broker, a TCP proxy in front of it and nothing else; each
// is stopped after the test, the last started first. A suite picks its broker with
// `it.override('brokerKind', 'mosquitto')`; without Mosquitto installed its tests are skipped.
import { test } from 'vitest';
import { mosquittoMissingReason, startAedes, startMosquitto, type TestBroker } from './broker.js';
import { startRawSubscriber, type RawSubscriber } from './raw-subscriber.js';
import { startSubscriber, type Subscriber } from './subscriber.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export type BrokerKind = 'aedes' | 'mosquitto';

/** For `describe.each`: the brokers a publisher test runs against (Mosquitto skipped when missing). */
export const BROKER_KINDS: Array<{ name: BrokerKind }> = [{ name: 'aedes' }, { name: 'mosquitto' }];

export interface MqttFixtures {
  brokerKind: BrokerKind;
  broker: TestBroker;
  /** Between the publisher and the broker: cut, black-hole, count bytes. */
  proxy: TcpProxy;
  /** Straight on the broker, decoding readings. */
  subscriber: Subscriber;
  /** Straight on the broker, keeping every message as it came (batches whole). */
  rawSubscriber: RawSubscriber;
}

export const mqttTest = test.extend<MqttFixtures>({
  brokerKind: 'aedes',
  broker: async ({ brokerKind, skip }, use) => {
    const missing = brokerKind === 'mosquitto' ? mosquittoMissingReason() : null;
    if (missing !== null) return skip(`needs mosquitto: ${missing}`);
    const broker = brokerKind === 'mosquitto' ? await startMosquitto() : await startAedes();
    await use(broker);
    await broker.stop();
  },
  proxy: async ({ broker }, use) => {
    const proxy = await startTcpProxy(broker.port);
    await use(proxy);
    await proxy.stop();
  },
  subscriber: async ({ broker }, use) => {
    const subscriber = await startSubscriber(broker.url);
    await use(subscriber);
    await subscriber.stop();
  },
  rawSubscriber: async ({ broker }, use) => {
    const subscriber = await startRawSubscriber(broker.url);
    await use(subscriber);
    await subscriber.stop();
  },
});
