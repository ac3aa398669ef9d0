// The page's link to the agent: /ws with the page's own ?token=, reconnecting with exponential
// backoff and jitter when it drops, and a watchdog for a socket that went silent (Wi-Fi lost
// without a close: the browser may not notice for minutes).
/// <reference lib="dom" />
import type { ServerMessage } from '../ws-protocol.js';

export type LinkState = { kind: 'connecting' } | { kind: 'live' } | { kind: 'down'; retryAt: number };

export interface LiveSocketHandlers {
  message(message: ServerMessage): void;
  state(state: LinkState): void;
}

const firstRetryMs = 1_000;
const maxRetryMs = 15_000;
/** Sensors report every few seconds; a minute of silence means the link is gone. */
const silenceLimitMs = 60_000;

export function socketUrl(location: Location): string {
  const token = new URLSearchParams(location.search).get('token');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

/** Sends a text frame on the live socket; false when it is not open. */
export type LiveSend = (text: string) => boolean;

export function connectLive(url: string, handlers: LiveSocketHandlers): LiveSend {
  let failures = 0;
  let current: WebSocket | null = null;
  let watchdog: ReturnType<typeof setTimeout> | undefined;

  const open = (): void => {
    handlers.state({ kind: 'connecting' });
    const socket = new WebSocket(url);
    current = socket;
    const feed = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => socket.close(), silenceLimitMs);
    };
    socket.onopen = () => {
      failures = 0;
      feed();
      handlers.state({ kind: 'live' });
    };
    socket.onmessage = (event: MessageEvent) => {
      feed();
      if (typeof event.data !== 'string') return;
      try {
        handlers.message(JSON.parse(event.data) as ServerMessage);
      } catch {
        // One bad frame must not stop the page; the next status replaces everything anyway.
      }
    };
    socket.onclose = () => {
      clearTimeout(watchdog);
      const base = Math.min(maxRetryMs, firstRetryMs * 2 ** failures);
      failures++;
      const delay = Math.round(base * (0.8 + Math.random() * 0.4));
      handlers.state({ kind: 'down', retryAt: Date.now() + delay });
      setTimeout(open, delay);
    };
  };
  open();
  return (text) => {
    if (current?.readyState !== WebSocket.OPEN) return false;
    current.send(text);
    return true;
  };
}
