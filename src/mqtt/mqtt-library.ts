// Loads MQTT.js for the link (after the agent is ready: connection.ts), set up for a small device.
// mqtt-packet (MQTT.js's encoder) by default builds a table of 65,536 two-byte Buffers at the first
// packet it writes, to look up packet ids and topic lengths instead of encoding them: about 7 MB of
// heap and 8 MB of RSS kept for the life of the process, and 23 ms before the first publish, under
// the unit's node flags (BENCHMARKS.md, round 2). Encoding two bytes per number instead costs a
// pooled 2-byte slice per write. The setting is the library's own (writeToStream.cacheNumbers).
type Mqtt = typeof import('mqtt');

let loading: Promise<Mqtt> | null = null;

export function loadMqtt(): Promise<Mqtt> {
  loading ??= Promise.all([import('mqtt'), import('mqtt-packet')]).then(([mqtt, packet]) => {
    packet.writeToStream.cacheNumbers = false;
    return mqtt;
  });
  return loading;
}
