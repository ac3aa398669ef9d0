// MQTT errors in plain words: what the technician should check, with the raw message kept beside it.

const explanations: ReadonlyArray<[RegExp, string]> = [
  [/not authori[sz]ed|bad user ?name or password|authentication|0x86|0x87|0x04|0x05/i, 'The broker rejected the user name, password or client certificate.'],
  [/Connection refused: /, 'The broker turned the session down (its reason is below).'],
  [/ECONNREFUSED|connection refused \(/i, 'The broker refused the connection: it is not running, or the port is wrong.'],
  [/ENOTFOUND|EAI_AGAIN/, "The broker's host name cannot be resolved (DNS down, or a typo in mqtt.url)."],
  [/EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|timed? ?out/i, 'The broker cannot be reached: network down, no route, or a firewall.'],
  [/certificate|self[- ]signed|CERT_|TLS|SSL/i, "The broker's TLS certificate was not accepted (wrong CA, expired, or this device's clock is wrong)."],
  [/keep ?alive|ping/i, 'The broker stopped answering (keepalive timeout).'],
  [/ECONNRESET|EPIPE|connection closed|socket hang up|closed/i, 'The connection was cut (network dropped, or the broker closed it).'],
];

/** The explanation, or the message itself when it is not a known kind (the agent's own are plain already). */
export function explain(error: string): string {
  for (const [pattern, words] of explanations) if (pattern.test(error)) return words;
  return error;
}
