// src/mqtt/mqtt-library.ts: MQTT.js as the link loads it, without mqtt-packet's 7 MB number table.
import { Writable } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { loadMqtt } from '../../src/mqtt/mqtt-library.js';

describe('loadMqtt', () => {
  it('turns off mqtt-packet\'s table of 65,536 number buffers, and packets still encode the same', async () => {
    const packet = { cmd: 'publish', topic: 'sensors/dev/t', payload: '{"seq":1}', qos: 1, messageId: 513, dup: false, retain: false } as const;
    // mqtt-packet corks the stream and uncorks it on the next tick.
    const encode = async (): Promise<Buffer> => {
      const chunks: Buffer[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk);
          done();
        },
      });
      mqttPacket.writeToStream(packet, stream);
      await new Promise((resolve) => setImmediate(resolve));
      return Buffer.concat(chunks);
    };
    const generated = mqttPacket.generate(packet);
    const mqtt = await loadMqtt();
    expect(typeof mqtt.connect).toBe('function');
    expect(mqttPacket.writeToStream.cacheNumbers).toBe(false);
    // Packet id 513 = 0x0201 and the topic length are written without the table, byte for byte as before.
    expect((await encode()).equals(generated)).toBe(true);
    expect(await loadMqtt()).toBe(mqtt);
  });
});
