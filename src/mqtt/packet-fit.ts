// What does not fit the broker's packet size: readings taken out of the queue as unsendable (a
// single reading larger than any packet the broker takes; counted, logged once per sensor and
// limit, deleted from the buffer like an acknowledged one), and the limit learned from brokers
// that refuse large publishes without announcing a Maximum Packet Size (Mosquitto's
// message_size_limit: PUBACK 0x95 on MQTT 5), kept for the rest of the run.
import type { Logger } from 'pino';
import type { RawReading } from '../buffer/index.js';
import type { AckBatcher } from './ack-batcher.js';
import type { LinkLimits } from './broker-limits.js';
import type { WarnOnce } from './status-messages.js';

export class PacketFit {
  /** Readings taken out as unsendable since start. */
  unsendable = 0;
  private learned = Number.POSITIVE_INFINITY;

  constructor(
    private readonly acks: AckBatcher,
    private readonly warned: WarnOnce,
    private readonly log: Logger,
    private readonly changed: { limits(limits: LinkLimits): void; unsendable(sensor: string, count: number): void },
  ) {}

  /** A new connection's limits, lowered to what earlier refusals taught. */
  apply(limits: LinkLimits): void {
    if (this.learned < limits.maxPacketSize) limits.maxPacketSize = this.learned;
  }

  /** The broker refused a publish of `refusedSize` bytes as too large: stay below it from now on. */
  learn(limits: LinkLimits, refusedSize: number): void {
    if (refusedSize > limits.maxPacketSize) return;
    this.learned = limits.maxPacketSize = refusedSize - 1;
    this.warned.warn([`the broker refuses publishes of ${refusedSize} bytes as too large without announcing a Maximum Packet Size: smaller ones for the rest of this run (set mqtt.maxPacketSize)`]);
    this.changed.limits(limits);
  }

  takeOut(readings: RawReading[], bytes: number, maxPacketSize: number): void {
    const reading = readings[0]!;
    this.unsendable += readings.length;
    this.acks.unsendable(readings);
    this.warned.warn([`readings of sensor ${reading.sensor} do not fit the broker's Maximum Packet Size (${maxPacketSize} bytes): taken out of the queue and counted as unsendable`]);
    this.log.debug({ sensor: reading.sensor, seq: reading.seq, bytes, maxPacketSize }, 'unsendable reading taken out of the queue');
    this.changed.unsendable(reading.sensor, readings.length);
  }
}
