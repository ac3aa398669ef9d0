// Outputs over MQTT: subscribes `<topicPrefix>/<output id>/set` on every connection, turns each
// message into a command (or a counted refusal), and publishes each output's confirmed state,
// retained, on `<topicPrefix>/<output id>` (`ON`/`OFF`), after every change and after every
// (re)connect, and beside it `<topicPrefix>/<output id>/availability`, retained `online` while the
// line's level is confirmed, `offline` while it is unknown (a line that failed even its safe state;
// the last ON/OFF retained on the state topic is then stale). Clean session on purpose (client-options.ts): a persistent session would have the
// broker queue QoS 1 commands while the agent is away and replay them on reconnect, and a command
// must never be carried out late. The agent subscribes again on each new connection (MQTT.js's
// own resubscribe is off), and after a reconnect it publishes the current state, never re-applies.
import type { IPublishPacket, MqttClient } from '../mqtt/client-types.js';
import type { Logger } from 'pino';
import type { Level } from '../hardware/gpio/gpio.js';
import type { MqttConnection } from '../mqtt/connection.js';
import type { OutputSet } from './output-set.js';
import { parseCommandPayload, type CommandParse } from './output-command.js';

export interface MqttCommandsOptions {
  connection: MqttConnection;
  outputs: OutputSet;
  topicPrefix: string;
  /** mqtt.qos: the confirmed state's QoS unless the output sets its own. */
  qos: 0 | 1 | 2;
  log: Logger;
}

export const stateTopic = (prefix: string, id: string): string => `${prefix}/${id}`;
export const commandTopic = (prefix: string, id: string): string => `${prefix}/${id}/set`;
export const outputAvailabilityTopic = (prefix: string, id: string): string => `${prefix}/${id}/availability`;

/** What a delivered message means before its payload is read: retained or expired ones are refused. */
export function checkDelivery(packet: Pick<IPublishPacket, 'retain' | 'properties'>, acceptRetained: boolean): CommandParse | null {
  if (packet.retain && !acceptRetained) return { ok: false, reason: 'retained', detail: 'retained command ignored (acceptRetained is false)' };
  // A broker delivers the remaining lifetime; 0 means it expired on the way (MQTT 5, 3.3.2.3.3).
  if (packet.properties?.messageExpiryInterval === 0) return { ok: false, reason: 'expired', detail: 'message expiry interval elapsed' };
  return null;
}

export class MqttOutputCommands {
  private client: MqttClient | null = null;
  /** One wildcard, so a command for an output that does not exist is seen, refused and counted. */
  private readonly filter: string;

  constructor(private readonly options: MqttCommandsOptions) {
    this.filter = commandTopic(options.topicPrefix, '+');
  }

  start(): void {
    const { connection, outputs } = this.options;
    connection.on('up', this.onUp);
    connection.on('down', this.onDown);
    outputs.on('state', this.onState);
    // Until the first connection the link counts as down: the fail-safe timer runs from the start.
    if (!connection.isConnected) outputs.linkDown();
  }

  stop(): void {
    const { connection, outputs } = this.options;
    connection.off('up', this.onUp);
    connection.off('down', this.onDown);
    outputs.off('state', this.onState);
    this.client?.off('message', this.onMessage);
    this.client = null;
  }

  /** Publishes one output's confirmed state now (used at stop, before the link ends). */
  publishState(id: string): void {
    const state = this.options.outputs.snapshot().find((output) => output.id === id)?.state ?? null;
    this.onState(id, state);
  }

  private readonly onUp = (client: MqttClient): void => {
    this.client?.off('message', this.onMessage);
    this.client = client;
    client.on('message', this.onMessage);
    client.subscribe(this.filter, { qos: 1 }, (error, granted) => {
      const refused = granted?.some((grant) => grant.qos >= 0x80) ?? false;
      if (error || refused) this.options.log.error({ topic: this.filter, err: error?.message }, 'the broker refused the output command subscription: outputs cannot be switched over MQTT');
      else this.options.log.info({ topic: this.filter }, 'subscribed to output commands');
    });
    this.options.outputs.linkUp();
    for (const output of this.options.outputs.snapshot()) this.onState(output.id, output.state);
  };

  private readonly onDown = (): void => {
    this.client?.off('message', this.onMessage);
    this.client = null;
    this.options.outputs.linkDown();
  };

  private readonly onState = (id: string, state: Level | null): void => {
    const client = this.options.connection.client;
    if (client === null) return;
    const qos = this.options.outputs.config(id)?.qos ?? this.options.qos;
    const { topicPrefix } = this.options;
    // Unknown: the state topic keeps its last confirmed value, the availability says not to trust it.
    if (state !== null) client.publish(stateTopic(topicPrefix, id), state === 1 ? 'ON' : 'OFF', { qos, retain: true }, () => undefined);
    client.publish(outputAvailabilityTopic(topicPrefix, id), state === null ? 'offline' : 'online', { qos, retain: true }, () => undefined);
  };

  private outputOf(topic: string): string | null {
    const head = `${this.options.topicPrefix}/`;
    if (!topic.startsWith(head) || !topic.endsWith('/set')) return null;
    const id = topic.slice(head.length, -'/set'.length);
    return id.length > 0 && !id.includes('/') ? id : null;
  }

  private readonly onMessage = (topic: string, payload: Buffer, packet: IPublishPacket): void => {
    const { outputs } = this.options;
    const id = this.outputOf(topic);
    // Not a command topic of ours (a broker may deliver overlapping subscriptions): not a command.
    if (id === null) return;
    const config = outputs.config(id);
    if (config === undefined) {
      outputs.refuse(id, 'mqtt', 'unknown-output', 'no output has this id');
      return;
    }
    const parsed = checkDelivery(packet, config.acceptRetained) ?? parseCommandPayload(payload);
    if (!parsed.ok) {
      outputs.refuse(id, 'mqtt', parsed.reason, parsed.detail);
      return;
    }
    void outputs.submit(id, parsed.command, 'mqtt').then((result) => {
      // A refused or failed command: publish the state as it is, so the sender sees nothing changed.
      if (!result.ok) this.publishState(id);
    });
  };
}
