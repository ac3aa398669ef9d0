// One publish of readings on a connection: a reading, or a batch, if it fits the broker's Maximum
// Packet Size (a batch that does not is handed back to be split, a single reading taken out as
// unsendable, packet-fit.ts). It holds a window slot until its PUBACK/PUBCOMP (or, QoS 0, until
// written); then its seqs go to the ack batcher, or a refusal to refusals.ts. Any other error means
// the link went down: the readings are read again on the next connection.
import type { MqttClient } from 'mqtt';
import type { RawReading } from '../buffer/index.js';
import type { AckBatcher } from './ack-batcher.js';
import { publishPacketSize, type LinkLimits, type RouteOptions } from './broker-limits.js';
import type { PacketFit } from './packet-fit.js';
import { encodeBatchPayload, encodeRawPayload } from './payloads.js';
import type { Lane, PublishReader } from './publisher-types.js';
import { refusalCode, type RefusalRetry } from './refusals.js';
import type { Routes } from './topics.js';

/** One connection: its client, limits, window and lanes, and the buffer reader it opened. */
export interface Session {
  client: MqttClient;
  reader: PublishReader;
  /** Bytes of each publish in flight (the largest is the suspect when an ack cannot be read). */
  sizes: Map<RawReading[], number>;
  limits: LinkLimits;
  routeOptions: RouteOptions;
  window: number;
  inflight: number;
  /** Its lanes in drain order (drain.ts): high before normal, live before backlog. */
  lanes: Lane[];
}

export type SendResult = 'sent' | 'too large' | 'unsendable';

/** What a publish needs of the drain. */
export interface Sender {
  routes: Routes;
  acks: AckBatcher;
  fit: PacketFit;
  refusals: () => RefusalRetry;
  /** The connection now (a callback of an older one only pumps). */
  current(): Session | null;
  pump(): void;
}

/**
 * Publishes one reading, or one batch, if it fits the broker's Maximum Packet Size. A batch that
 * does not fit is handed back to be split; a single reading that does not is taken out.
 */
export function sendReadings(sender: Sender, session: Session, readings: RawReading[], batch: boolean, retry: boolean): SendResult {
  const route = sender.routes.for(readings[0]!.sensor);
  const options = session.routeOptions.for(route);
  const payload = batch ? encodeBatchPayload(readings) : encodeRawPayload(readings[0]!);
  const size = publishPacketSize(route.topic, payload, options.qos, session.limits.protocolVersion);
  if (size > session.limits.maxPacketSize) {
    if (readings.length > 1) return 'too large';
    sender.fit.takeOut(readings, size, session.limits.maxPacketSize);
    return 'unsendable';
  }
  session.inflight += 1;
  session.sizes.set(readings, size);
  session.client.publish(route.topic, payload, options, (error) => {
    if (session === sender.current()) {
      session.inflight -= 1;
      session.sizes.delete(readings);
      const code = refusalCode(error);
      const refusals = sender.refusals();
      if (!error) {
        refusals.accepted(retry);
        // A batch is acked as a unit: every seq of it is deleted in the same buffer write.
        sender.acks.published(readings);
      } else if (code !== null) refusals.refused({ readings, batch }, code, error.message, route.topic, retry);
      // Any other error: the link went down; the readings are read again on the next connection.
    }
    sender.pump();
  });
  return 'sent';
}
