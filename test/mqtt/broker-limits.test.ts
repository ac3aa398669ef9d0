// The limits a connection works within (broker-limits.ts): from a CONNACK, from 3.1.1's defaults
// and a broker profile, and the size of a PUBLISH on the wire, checked against mqtt-packet's own
// encoding (the codec MQTT.js sends with).
import { describe, expect, it } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { DEFAULT_PACKET_SIZE_V4, linkLimits, limitWarnings, publishPacketSize, RouteOptions } from '../../src/mqtt/broker-limits.js';
import { BROKER_PROFILES } from '../../src/mqtt/broker-profiles.js';
import { Routes } from '../../src/mqtt/topics.js';

describe('linkLimits', () => {
  it('takes every announced limit on MQTT 5, the window within Receive Maximum', () => {
    const limits = linkLimits(5, { receiveMaximum: 2, maximumPacketSize: 256, maximumQoS: 1, retainAvailable: false, topicAliasMaximum: 2, serverKeepAlive: 10 }, {});
    expect(limits).toEqual({ protocolVersion: 5, window: 2, receiveMaximum: 2, maxPacketSize: 256, maximumQoS: 1, retainAvailable: false, topicAliasMaximum: 2, serverKeepAlive: 10 });
    expect(linkLimits(5, { receiveMaximum: 1 }, { maxInflight: 64 }).window).toBe(1);
    expect(linkLimits(5, { receiveMaximum: 100 }, { maxInflight: 10 }).window).toBe(10);
  });

  it('reads absent properties as the protocol defaults (65,535 in flight, QoS 2, retain available)', () => {
    expect(linkLimits(5, undefined, {})).toMatchObject({ window: 64, receiveMaximum: null, maximumQoS: 2, retainAvailable: true, topicAliasMaximum: 0, serverKeepAlive: null });
  });

  it('uses safe defaults on 3.1.1 (20 in flight, 64 KiB packets) unless configured, and a profile where given', () => {
    expect(linkLimits(4, undefined, {})).toMatchObject({ window: 20, maxPacketSize: DEFAULT_PACKET_SIZE_V4, maximumQoS: 2 });
    expect(linkLimits(4, undefined, { maxInflight: 100, maxPacketSize: 1000 })).toMatchObject({ window: 100, maxPacketSize: 1000 });
    expect(linkLimits(4, undefined, { profile: BROKER_PROFILES['azure-iot-hub'] })).toMatchObject({ maximumQoS: 1, retainAvailable: false, maxPacketSize: 256 * 1024 });
    // Properties a 3.1.1 CONNACK cannot carry are never read.
    expect(linkLimits(4, { receiveMaximum: 1 }, {}).window).toBe(20);
  });

  it('keeps the lower of mqtt.maxPacketSize and the broker\'s, and retain off once the connection learned it', () => {
    expect(linkLimits(5, { maximumPacketSize: 4096 }, { maxPacketSize: 1000 }).maxPacketSize).toBe(1000);
    expect(linkLimits(5, { maximumPacketSize: 500 }, { maxPacketSize: 1000 }).maxPacketSize).toBe(500);
    expect(linkLimits(4, undefined, {}, false).retainAvailable).toBe(false);
  });
});

describe('publishPacketSize', () => {
  it.each([
    ['sensors/a/b', '{"seq":1}', 0, 4],
    ['sensors/a/b', 'x'.repeat(200), 1, 4],
    ['s', 'x'.repeat(20_000), 2, 4],
    ['sensors/a/b', '{"seq":1}', 1, 5],
    ['sensors/a/b', 'x'.repeat(126), 1, 5],
  ] as const)('is never below what mqtt-packet encodes (topic %s, QoS %i, version %i)', (topic, payload, qos, version) => {
    const properties = version === 5 ? { topicAlias: 1 } : undefined;
    const encoded = mqttPacket.generate({ cmd: 'publish', topic, payload, qos, messageId: qos > 0 ? 1 : undefined, retain: false, dup: false, ...(properties ? { properties } : {}) } as mqttPacket.IPublishPacket, { protocolVersion: version });
    const computed = publishPacketSize(topic, payload, qos, version);
    expect(computed).toBeGreaterThanOrEqual(encoded.length);
    expect(computed - encoded.length).toBeLessThanOrEqual(1);
  });
});

describe('RouteOptions and limitWarnings', () => {
  it('caps QoS and drops retain per route where the broker cannot take them', () => {
    const routes = new Routes({ topicPrefix: 'sensors/d', qos: 1, retain: false }, [{ id: 'a', qos: 2, retain: true }, { id: 'b' }]);
    const limits = linkLimits(5, { maximumQoS: 1, retainAvailable: false }, {});
    const options = new RouteOptions(limits);
    expect(options.for(routes.for('a'))).toEqual({ qos: 1, retain: false });
    expect(options.for(routes.for('b'))).toBe(routes.for('b').publishOptions);
    expect(limitWarnings(limits, routes.wanted())).toEqual([
      'the broker accepts at most QoS 1: QoS 2 readings are published at QoS 1 on this connection',
      'the broker does not support retained messages: the status messages and retained readings are published without retain',
    ]);
    expect(limitWarnings(linkLimits(5, undefined, {}), routes.wanted())).toEqual([]);
  });
});
