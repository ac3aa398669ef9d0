// When to give up on MQTT 5 for the rest of the run and speak 3.1.1: the broker says it does not
// know the version (CONNACK return code 1 on 3.1.1, reason 0x84 on 5), or it answers an MQTT 5
// CONNECT by closing the connection without any CONNACK, several attempts in a row (RabbitMQ 3.10:
// "cannot parse a frame"). A broker that is down (connection refused) or silent (no answer before
// the timeout) says nothing about the version and does not count. Nor do bare closes once this
// broker has answered an MQTT 5 CONNECT in this run: it speaks 5, and a close is an outage (a
// restart behind a proxy or a load balancer that accepts and hangs up while the broker is down).

/** MQTT 5 CONNECTs answered by a bare close, in a row, before falling back. */
export const SILENT_CLOSES_BEFORE_FALLBACK = 3;

export function isUnacceptableVersion(error: Error & { code?: string | number }): boolean {
  return error.code === 1 || error.code === 0x84 || /protocol version/i.test(error.message);
}

/** Network-level failures: the broker was not reached, or did not answer at all. */
const NOT_AN_ANSWER = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

export class ProtocolFallback {
  private silentCloses = 0;
  private spokeMqtt5 = false;

  /**
   * An MQTT 5 attempt ended without CONNACK. `reached`: the socket connected; `error`: what the
   * attempt reported, if anything. True when the broker should now be spoken to in 3.1.1.
   */
  closedWithoutConnack(reached: boolean, error: (Error & { code?: string | number }) | null): boolean {
    if (error && isUnacceptableVersion(error)) return true;
    if (this.spokeMqtt5) return false;
    const hungUp = reached && (error === null || (typeof error.code === 'string' && !NOT_AN_ANSWER.has(error.code)));
    this.silentCloses = hungUp ? this.silentCloses + 1 : 0;
    return this.silentCloses >= SILENT_CLOSES_BEFORE_FALLBACK;
  }

  /** A CONNACK arrived: the broker speaks this version. */
  answered(): void {
    this.silentCloses = 0;
    this.spokeMqtt5 = true;
  }
}
