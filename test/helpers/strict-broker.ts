// A strict MQTT broker for tests, on mqtt-packet (the codec MQTT.js and Aedes use): it announces
// the limits it is given in CONNACK (MQTT 5) and checks every packet against them, on 3.1.1 too,
// where a broker cannot announce anything but may still enforce. A packet that breaks a limit is
// recorded in `violations` and answered like a strict broker would: DISCONNECT with the reason
// code (MQTT 5), then the socket is closed. It also plays the brokers the agent must survive:
// one that hangs up on MQTT 5 CONNECTs (RabbitMQ 3.10), one that refuses publishes with a reason
// code, one that sends DISCONNECT. Loopback only, ephemeral port.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import mqttPacket, { type IConnectPacket, type IPublishPacket, type ISubscribePacket, type Packet } from 'mqtt-packet';
import { decodeBatchPayload, type BatchPayload } from '../../src/mqtt/payloads.js';
import type { TestBroker } from './broker.js';

export interface StrictLimits {
  receiveMaximum?: number;
  maximumPacketSize?: number;
  maximumQoS?: 0 | 1;
  retainAvailable?: boolean;
  topicAliasMaximum?: number;
  /** Seconds; the client must then ping within 1.5 x this, whatever keepalive it asked for. */
  serverKeepAlive?: number;
}

export interface StrictBrokerOptions extends StrictLimits {
  /** Answer every MQTT 5 CONNECT by closing the socket, no CONNACK (RabbitMQ 3.10's MQTT plugin). */
  hangUpOnMqtt5?: boolean;
  /** Reason code for a PUBLISH (0: accepted); >= 0x80 refuses it in PUBACK/PUBREC. */
  refuse?: (publish: IPublishPacket) => number;
  /** Acks are held this long, so that a window fills up before the first one returns. */
  ackDelayMs?: number;
  /** TLS (mqtts://) with this key and certificate; with `ca` and `requestCert`, client certificates too. */
  tls?: { key: string; cert: string; ca?: string; requestCert?: boolean };
  /** A broker's own rules for one connection (cloud-broker.ts): asked at CONNECT, then per packet. */
  rules?: (connect: IConnectPacket, socket: Socket) => ConnectionRules;
}

/** What a broker's own rules say about one connection; a string is the rule broken (null: fine). */
export interface ConnectionRules {
  /** A refused CONNECT: CONNACK with "not authorized" (3.1.1 return code 5, MQTT 5 0x87), then close. */
  refuse?: string | null;
  /** A publish that breaks a rule: the broker disconnects (a violation). */
  publish?(packet: IPublishPacket, topic: string): string | null;
  subscribe?(packet: ISubscribePacket): string | null;
}

export interface Delivered {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

export interface StrictBroker extends TestBroker {
  violations: string[];
  /** CONNECTs answered with a refusal (a retained or QoS 1 will the broker cannot take). */
  refusedConnects: string[];
  connects: IConnectPacket[];
  /** PINGREQs received. */
  pings: number;
  /** Publishes the broker accepted, in arrival order, topic aliases resolved. */
  delivered: Delivered[];
  /** Most QoS > 0 publishes seen in flight on one connection. */
  maxInflightSeen: number;
  /** Publishes answered with a reason code >= 0x80. */
  refused: number;
  /** The seqs of every accepted reading (single or batch payloads) on topics under `prefix`. */
  seqs(prefix?: string): number[];
  /** Sends DISCONNECT with this reason code (MQTT 5 clients) and closes every connection. */
  disconnectAll(reasonCode: number, reasonString?: string): void;
}

interface ClientState {
  socket: Socket;
  version: 4 | 5;
  aliases: Map<number, string>;
  /** Packet ids of QoS > 0 publishes not yet fully acknowledged by the broker. */
  inflight: Set<number>;
  lastPacketAt: number;
  keepaliveS: number;
  closed: boolean;
  rules: ConnectionRules;
}

export async function startStrictBroker(options: StrictBrokerOptions = {}): Promise<StrictBroker> {
  const clients = new Set<ClientState>();
  const broker = {
    violations: [] as string[],
    refusedConnects: [] as string[],
    pings: 0,
    connects: [] as IConnectPacket[],
    delivered: [] as Delivered[],
    maxInflightSeen: 0,
    refused: 0,
  };
  const server: Server = options.tls
    ? createTlsServer({ ...options.tls, rejectUnauthorized: options.tls.requestCert === true }, (socket: TLSSocket) => serve(socket))
    : createServer((socket) => serve(socket));
  const keepaliveTimer = setInterval(() => {
    for (const client of clients) {
      if (client.keepaliveS > 0 && Date.now() - client.lastPacketAt > client.keepaliveS * 1500) {
        violate(client, 0x8d, `no packet for more than 1.5 x keep alive (${client.keepaliveS} s)`);
      }
    }
  }, 100);

  function send(client: ClientState, packet: Packet): void {
    if (!client.closed) client.socket.write(mqttPacket.generate(packet, { protocolVersion: client.version }));
  }

  function violate(client: ClientState, reasonCode: number, what: string): void {
    if (client.closed) return;
    broker.violations.push(what);
    if (client.version === 5) send(client, { cmd: 'disconnect', reasonCode, properties: { reasonString: what } });
    client.closed = true;
    client.socket.end();
  }

  function serve(socket: Socket): void {
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const client: ClientState = { socket, version: 4, aliases: new Map(), inflight: new Set(), lastPacketAt: Date.now(), keepaliveS: 0, closed: false, rules: {} };
    let connected = false;
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      client.closed = true;
      clients.delete(client);
    });
    parser.on('error', (error) => violate(client, 0x81, `malformed packet: ${error.message}`));
    parser.on('packet', (packet: Packet) => {
      if (client.closed) return;
      client.lastPacketAt = Date.now();
      if (packet.cmd === 'connect') {
        if (connected) return violate(client, 0x82, 'a second CONNECT');
        connected = true;
        onConnect(client, packet, parser);
        return;
      }
      if (!connected) return violate(client, 0x82, `${packet.cmd} before CONNECT`);
      const size = packetSize(packet.length ?? 0);
      if (options.maximumPacketSize !== undefined && size > options.maximumPacketSize) {
        return violate(client, 0x95, `${packet.cmd} of ${size} bytes, above Maximum Packet Size ${options.maximumPacketSize}`);
      }
      switch (packet.cmd) {
        case 'publish':
          return onPublish(client, packet);
        case 'pubrel':
          // Counted against Receive Maximum until the PUBCOMP leaves (MQTT 5, 4.9).
          return reply(client, { cmd: 'pubcomp', messageId: packet.messageId! }, () => client.inflight.delete(packet.messageId!));
        case 'subscribe': {
          const broken = client.rules.subscribe?.(packet) ?? null;
          if (broken !== null) return violate(client, 0x87, broken);
          return send(client, { cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map((subscription) => subscription.qos) });
        }
        case 'pingreq':
          broker.pings += 1;
          return send(client, { cmd: 'pingresp' });
        case 'disconnect':
          client.closed = true;
          return void socket.end();
        default:
          return;
      }
    });
  }

  function onConnect(client: ClientState, packet: IConnectPacket, parser: ReturnType<typeof mqttPacket.parser>): void {
    const version = packet.protocolVersion === 5 ? 5 : 4;
    client.version = version;
    (parser as unknown as { settings: { protocolVersion: number } }).settings.protocolVersion = version;
    broker.connects.push(packet);
    if (version === 5 && options.hangUpOnMqtt5) {
      client.closed = true;
      return void client.socket.destroy();
    }
    client.rules = options.rules?.(packet, client.socket) ?? {};
    if (client.rules.refuse) return refuseConnect(client, version === 5 ? 0x87 : 5, client.rules.refuse);
    const will = packet.will;
    if (will?.retain && options.retainAvailable === false) return refuseConnect(client, 0x9a, 'retained last will, retain not available');
    if (will && (will.qos ?? 0) > (options.maximumQoS ?? 2)) return refuseConnect(client, 0x9b, `QoS ${will.qos} last will above Maximum QoS ${options.maximumQoS}`);
    clients.add(client);
    client.keepaliveS = options.serverKeepAlive ?? packet.keepalive ?? 0;
    if (version === 4) return send(client, { cmd: 'connack', returnCode: 0, sessionPresent: false });
    const properties: Record<string, number | boolean> = {};
    if (options.receiveMaximum !== undefined) properties.receiveMaximum = options.receiveMaximum;
    if (options.maximumPacketSize !== undefined) properties.maximumPacketSize = options.maximumPacketSize;
    if (options.maximumQoS !== undefined) properties.maximumQoS = options.maximumQoS;
    if (options.retainAvailable !== undefined) properties.retainAvailable = options.retainAvailable;
    if (options.topicAliasMaximum !== undefined) properties.topicAliasMaximum = options.topicAliasMaximum;
    if (options.serverKeepAlive !== undefined) properties.serverKeepAlive = options.serverKeepAlive;
    send(client, { cmd: 'connack', reasonCode: 0, sessionPresent: false, properties });
  }

  /** MQTT 5 refuses in CONNACK; a 3.1.1 broker has no code for it and closes (as Mosquitto does). */
  function refuseConnect(client: ClientState, reasonCode: number, what: string): void {
    broker.refusedConnects.push(what);
    if (client.version === 5) send(client, { cmd: 'connack', reasonCode, sessionPresent: false });
    else if (reasonCode < 0x80) send(client, { cmd: 'connack', returnCode: reasonCode, sessionPresent: false });
    client.closed = true;
    client.socket.end();
  }

  function onPublish(client: ClientState, packet: IPublishPacket): void {
    const alias = packet.properties?.topicAlias;
    let topic = packet.topic;
    if (alias !== undefined) {
      if (alias === 0 || alias > (options.topicAliasMaximum ?? 0)) return violate(client, 0x94, `topic alias ${alias} above Topic Alias Maximum ${options.topicAliasMaximum ?? 0}`);
      if (topic === '') {
        const known = client.aliases.get(alias);
        if (known === undefined) return violate(client, 0x82, `topic alias ${alias} used before it was set`);
        topic = known;
      } else client.aliases.set(alias, topic);
    }
    if (packet.qos > (options.maximumQoS ?? 2)) return violate(client, 0x9b, `QoS ${packet.qos} publish above Maximum QoS ${options.maximumQoS}`);
    if (packet.retain && options.retainAvailable === false) return violate(client, 0x9a, 'retained publish, retain not available');
    const broken = client.rules.publish?.(packet, topic) ?? null;
    if (broken !== null) return violate(client, 0x83, broken);
    if (packet.qos > 0) {
      client.inflight.add(packet.messageId!);
      broker.maxInflightSeen = Math.max(broker.maxInflightSeen, client.inflight.size);
      if (options.receiveMaximum !== undefined && client.inflight.size > options.receiveMaximum) {
        return violate(client, 0x93, `${client.inflight.size} QoS > 0 publishes in flight, above Receive Maximum ${options.receiveMaximum}`);
      }
    }
    const reasonCode = options.refuse?.(packet) ?? 0;
    if (reasonCode >= 0x80) broker.refused += 1;
    else broker.delivered.push({ topic, payload: packet.payload.toString(), qos: packet.qos, retain: packet.retain });
    if (packet.qos === 0) return;
    const messageId = packet.messageId!;
    if (packet.qos === 1 || reasonCode >= 0x80) {
      reply(client, { cmd: packet.qos === 1 ? 'puback' : 'pubrec', messageId, ...(client.version === 5 ? { reasonCode } : {}) }, () => client.inflight.delete(messageId));
    } else reply(client, { cmd: 'pubrec', messageId, ...(client.version === 5 ? { reasonCode } : {}) });
  }

  /** Sends an ack after ackDelayMs; `sent` runs when it is on the wire. */
  function reply(client: ClientState, packet: Packet, sent?: () => void): void {
    const go = (): void => {
      sent?.();
      send(client, packet);
    };
    if (options.ackDelayMs) setTimeout(go, options.ackDelayMs);
    else go();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('strict broker: no address');
  return {
    get violations() {
      return broker.violations;
    },
    get refusedConnects() {
      return broker.refusedConnects;
    },
    get pings() {
      return broker.pings;
    },
    get connects() {
      return broker.connects;
    },
    get delivered() {
      return broker.delivered;
    },
    get maxInflightSeen() {
      return broker.maxInflightSeen;
    },
    get refused() {
      return broker.refused;
    },
    port: address.port,
    url: `${options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${address.port}`,
    seqs: (prefix = 'sensors/test/') => broker.delivered.filter((message) => message.topic.startsWith(prefix) && !message.topic.endsWith('/status')).flatMap((message) => payloadSeqs(message.payload)),
    disconnectAll: (reasonCode, reasonString) => {
      for (const client of clients) {
        if (client.version === 5) send(client, { cmd: 'disconnect', reasonCode, ...(reasonString ? { properties: { reasonString } } : {}) });
        client.closed = true;
        client.socket.end();
      }
    },
    stop: async () => {
      clearInterval(keepaliveTimer);
      for (const client of clients) client.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Fixed header byte, the remaining length's varint, the rest. */
function packetSize(remainingLength: number): number {
  return 1 + (remainingLength < 128 ? 1 : remainingLength < 16_384 ? 2 : remainingLength < 2_097_152 ? 3 : 4) + remainingLength;
}

export function payloadSeqs(payload: string): number[] {
  const body = JSON.parse(payload) as { seq?: number } & Partial<BatchPayload>;
  if (typeof body.seq === 'number') return [body.seq];
  return decodeBatchPayload(body as BatchPayload).map((reading) => reading.seq);
}
