// doctor's broker check: one connection attempt with the config's url, client id and credentials,
// no reconnect, and what came of it (null when the broker accepted). The verdict is doctor's.
import mqtt from 'mqtt';

export interface BrokerProbe {
  url: string;
  clientId: string;
  protocolVersion: 4 | 5;
  username?: string | undefined;
  password?: string | undefined;
  connectTimeoutMs?: number;
}

/** Connects once and ends at once: null when the broker accepted, else the error's message. */
export async function probeBroker(probe: BrokerProbe): Promise<string | null> {
  const client = mqtt.connect(probe.url, {
    clientId: probe.clientId,
    protocolVersion: probe.protocolVersion,
    reconnectPeriod: 0,
    connectTimeout: probe.connectTimeoutMs ?? 5000,
    ...(probe.username !== undefined ? { username: probe.username } : {}),
    ...(probe.password !== undefined ? { password: probe.password } : {}),
  });
  const outcome = await new Promise<string | null>((resolve) => {
    client.once('connect', () => resolve(null));
    client.once('error', (error) => resolve(error.message));
    client.once('close', () => resolve('connection closed'));
  });
  client.end(true);
  return outcome;
}
