// Messages of other parts (Home Assistant discovery, availability and states) sent on the
// publisher's connection under the same broker limits as the readings (broker-limits.ts): QoS
// capped at the broker's Maximum QoS, retain dropped where Retain is not available, nothing larger
// than the Maximum Packet Size, and each QoS > 0 message in a slot of the in-flight window, so
// together with the readings they stay within the broker's Receive Maximum. They go before the
// next readings, in the order given. A message is never kept for a later connection: the part
// that sent it hears `offline` and announces again when the link is back.
import type { MqttClient } from 'mqtt';
import { publishPacketSize, type LinkLimits } from './broker-limits.js';
import type { QoS } from './topics.js';

export interface ExtraMessage {
  topic: string;
  payload: string;
  qos: QoS;
  retain: boolean;
}

/** `sent`: acknowledged (QoS > 0) or written (QoS 0); `too large` for the broker; `offline`: the link went (or was) down. */
export type ExtraResult = 'sent' | 'too large' | 'offline';

/** The connection's side of it: the publisher's session. */
export interface ExtraLink {
  client: MqttClient;
  limits: LinkLimits;
  /** Window slots free now. */
  room(): number;
  take(): void;
  /** A slot is free again (the publisher pumps). */
  release(): void;
}

interface Pending {
  message: ExtraMessage;
  done(result: ExtraResult): void;
}

export class ExtraPublishes {
  private queue: Pending[] = [];
  private link: ExtraLink | null = null;

  get waiting(): number {
    return this.queue.length;
  }

  publish(message: ExtraMessage): Promise<ExtraResult> {
    if (this.link === null) return Promise.resolve('offline');
    return new Promise((resolve) => {
      this.queue.push({ message, done: resolve });
      this.send();
    });
  }

  /** A connection came up: messages may go. */
  connected(link: ExtraLink): void {
    this.link = link;
    this.send();
  }

  /** The connection ended: everything queued is answered `offline` (in flight: by its callback). */
  disconnected(): void {
    this.link = null;
    const queued = this.queue;
    this.queue = [];
    for (const pending of queued) pending.done('offline');
  }

  /** Sends what the window has room for; called again by the publisher as slots free. */
  send(): void {
    const link = this.link;
    while (link !== null && link === this.link && this.queue.length > 0) {
      const { message } = this.queue[0]!;
      const qos = Math.min(message.qos, link.limits.maximumQoS) as QoS;
      if (qos > 0 && link.room() <= 0) return;
      const pending = this.queue.shift()!;
      if (publishPacketSize(message.topic, message.payload, qos, link.limits.protocolVersion) > link.limits.maxPacketSize) {
        pending.done('too large');
        continue;
      }
      if (qos > 0) link.take();
      link.client.publish(message.topic, message.payload, { qos, retain: message.retain && link.limits.retainAvailable }, (error) => {
        if (qos > 0) link.release();
        pending.done(error ? 'offline' : 'sent');
      });
    }
  }
}
