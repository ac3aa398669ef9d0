// Loopback stand-ins for AWS IoT Core and Azure IoT Hub: the strict broker (strict-broker.ts, which
// holds acks to see a window and checks every packet) with each cloud's documented rules as
// connection rules, refusing or disconnecting where the cloud does (stricter where the cloud would
// only throttle: a throttled agent is one that broke the limit). TLS on an ephemeral port with the
// test CA (test-tls.ts). The figures (README "Cloud brokers"):
//   AWS IoT Core: QoS 0/1, payload <= 128 KB, <= 100 QoS 1 in flight, <= 100 publishes and
//     512 KiB per second per connection, topics <= 7 slashes and 256 bytes, 1 CONNECT per second
//     per client id, a client certificate.
//   Azure IoT Hub: MQTT 3.1.1 only, QoS 0/1, no retain (publish or will), publishes only on
//     devices/{id}/messages/events/, subscriptions only on devices/{id}/messages/devicebound/#,
//     client id = device id, user name {host}/{id}/?api-version=2021-04-12, a SAS token as
//     password, keep alive <= 1177 s, payload <= 256 KB.
import type { IConnectPacket, IPublishPacket } from 'mqtt-packet';
import { startStrictBroker, type ConnectionRules, type StrictBroker } from './strict-broker.js';
import { testTls } from './test-tls.js';

export interface CloudBroker extends StrictBroker {
  /** CONNECT times (ms) per client id, refused ones included. */
  connectTimes: Map<string, number[]>;
  /** The most publishes, and bytes of payload, one connection sent in any one second. */
  busiestSecond: { publishes: number; bytes: number };
}

export interface CloudBrokerOptions {
  /** Acks held this long (a window fills up before the first returns). */
  ackDelayMs?: number;
  /** Azure: the device id registered in the hub, and its SAS token. */
  deviceId?: string;
  sasToken?: string;
}

/** A sliding one-second count of publishes and payload bytes on one connection. */
class RateWindow {
  private readonly sent: Array<{ at: number; bytes: number }> = [];
  private bytes = 0;

  add(bytes: number): { publishes: number; bytes: number } {
    const now = performance.now();
    this.sent.push({ at: now, bytes });
    this.bytes += bytes;
    while (this.sent.length > 0 && now - this.sent[0]!.at >= 1000) this.bytes -= this.sent.shift()!.bytes;
    return { publishes: this.sent.length, bytes: this.bytes };
  }
}

function common(broker: { connectTimes: Map<string, number[]>; busiestSecond: { publishes: number; bytes: number } }, connect: IConnectPacket): { rate: RateWindow; previousConnectAt: number | undefined } {
  const times = broker.connectTimes.get(connect.clientId) ?? [];
  const previousConnectAt = times.at(-1);
  times.push(Date.now());
  broker.connectTimes.set(connect.clientId, times);
  return { rate: new RateWindow(), previousConnectAt };
}

function measure(broker: { busiestSecond: { publishes: number; bytes: number } }, rate: RateWindow, packet: IPublishPacket): { publishes: number; bytes: number } {
  const now = rate.add(packet.payload.length);
  broker.busiestSecond.publishes = Math.max(broker.busiestSecond.publishes, now.publishes);
  broker.busiestSecond.bytes = Math.max(broker.busiestSecond.bytes, now.bytes);
  return now;
}

export async function startAwsIotCoreBroker(options: CloudBrokerOptions = {}): Promise<CloudBroker> {
  const tls = testTls();
  const state = { connectTimes: new Map<string, number[]>(), busiestSecond: { publishes: 0, bytes: 0 } };
  const rules = (connect: IConnectPacket): ConnectionRules => {
    const { rate, previousConnectAt } = common(state, connect);
    const tooSoon = previousConnectAt !== undefined && Date.now() - previousConnectAt < 1000;
    return {
      refuse: tooSoon ? `CONNECT of ${connect.clientId} ${Date.now() - previousConnectAt!} ms after the previous one (1 per second per client id)` : null,
      publish(packet, topic) {
        if (packet.payload.length > 128 * 1024) return `payload of ${packet.payload.length} bytes (128 KB at most)`;
        const slashes = topic.split('/').length - 1;
        if (slashes > 7) return `topic ${topic} has ${slashes} slashes (7 at most)`;
        if (Buffer.byteLength(topic) > 256) return `topic of ${Buffer.byteLength(topic)} bytes (256 at most)`;
        const now = measure(state, rate, packet);
        if (now.publishes > 100) return `${now.publishes} publishes in one second on one connection (100 at most)`;
        if (now.bytes > 512 * 1024) return `${now.bytes} bytes in one second on one connection (512 KiB at most)`;
        return null;
      },
    };
  };
  const broker = await startStrictBroker({
    maximumQoS: 1,
    receiveMaximum: 100,
    ackDelayMs: options.ackDelayMs ?? 0,
    tls: { key: tls.serverKey, cert: tls.serverCert, ca: tls.ca, requestCert: true },
    rules,
  });
  return Object.assign(broker, state);
}

export const AZURE_API = 'api-version=2021-04-12';

export async function startAzureIotHubBroker(options: CloudBrokerOptions = {}): Promise<CloudBroker> {
  const tls = testTls();
  const deviceId = options.deviceId ?? 'pi-01';
  const events = `devices/${deviceId}/messages/events/`;
  const state = { connectTimes: new Map<string, number[]>(), busiestSecond: { publishes: 0, bytes: 0 } };
  const rules = (connect: IConnectPacket): ConnectionRules => {
    const { rate } = common(state, connect);
    const refusal = (): string | null => {
      if (connect.protocolVersion !== 4) return `protocol level ${connect.protocolVersion} (MQTT 3.1.1 only)`;
      if (connect.clientId !== deviceId) return `client id ${connect.clientId} is not the device id ${deviceId}`;
      const username = `127.0.0.1/${deviceId}/?${AZURE_API}`;
      if (connect.username !== username) return `user name ${connect.username ?? '(none)'} (expected ${username})`;
      const password = connect.password?.toString();
      if (options.sasToken !== undefined && password !== options.sasToken) return 'password is not the device SAS token';
      if ((connect.keepalive ?? 0) > 1177) return `keep alive ${connect.keepalive ?? 0} s (1177 at most)`;
      if (connect.will && !connect.will.topic.startsWith(events)) return `will topic ${connect.will.topic} is not under ${events}`;
      return null;
    };
    return {
      refuse: refusal(),
      publish(packet, topic) {
        if (!topic.startsWith(events)) return `publish on ${topic}, not under ${events}`;
        if (packet.payload.length > 256 * 1024) return `payload of ${packet.payload.length} bytes (256 KB at most)`;
        measure(state, rate, packet);
        return null;
      },
      subscribe(packet) {
        const outside = packet.subscriptions.find((subscription) => subscription.topic !== `devices/${deviceId}/messages/devicebound/#`);
        return outside ? `subscription to ${outside.topic} (only devices/${deviceId}/messages/devicebound/#)` : null;
      },
    };
  };
  const broker = await startStrictBroker({
    maximumQoS: 1,
    retainAvailable: false,
    ackDelayMs: options.ackDelayMs ?? 0,
    tls: { key: tls.serverKey, cert: tls.serverCert },
    rules,
  });
  return Object.assign(broker, state);
}
