// The built agent inside a real-kernel guest: its config, the guest script that checks the store
// on the virtio disk and starts `node dist/sensor-agent.js run`, and a host-side watcher of what
// the agent reports accepted, over its status WebSocket forwarded by qemu (hostfwd).
//
// "Reported accepted" = the highest seq the host has received from the agent's status port: every
// `reading` message (sent for each reading the buffer accepts) and `buffer.lastSeq` of every
// `status` message. The host holds that number when it SIGKILLs qemu, so it is exactly what the
// agent had told the outside world before the power cut.
import WebSocket from 'ws';

/** The status port inside the guest; forwarded to an ephemeral host loopback port. */
export const GUEST_STATUS_PORT = 8080;
/** Where hil_mount_store puts the virtio-blk ext4 disk, and the agent's store on it. */
export const GUEST_STORE_MOUNT = '/tmp/store';
export const GUEST_STORE_PATH = `${GUEST_STORE_MOUNT}/buffer`;

export interface GuestAgentOptions {
  /** Seen from the guest: the host's loopback is 10.0.2.2. Offline runs use a closed port. */
  mqttUrl: string;
  commitInterval: string;
  sensors: Array<Record<string, unknown>>;
  qos?: 0 | 1 | 2;
  /** More store.* keys (keepFree, maxBytes, overflow...). */
  store?: Record<string, unknown>;
}

export function guestAgentConfig(options: GuestAgentOptions): string {
  return JSON.stringify(
    {
      device: { id: 'hil' },
      mqtt: { url: options.mqttUrl, qos: options.qos ?? 1, keepalive: '5s', reconnect: { min: '200ms', max: '1s' } },
      store: { path: GUEST_STORE_PATH, commitInterval: options.commitInterval, ...options.store },
      status: { listen: `0.0.0.0:${GUEST_STATUS_PORT}` },
      log: { level: 'info' },
      sensors: options.sensors,
    },
    null,
    2,
  );
}

/**
 * Guest script: mount the disk; with `check`, print `hil-store {...}` (test/hil/guest/store-check.mjs:
 * every key counted, a full Node start under TCG, so a few seconds); with `agent`, run the agent on
 * that store with /tmp/hil/agent.json until the power is cut. Console lines the host waits for:
 * `hil-store`, and the agent's JSON `buffer open` log line (what it recovered).
 */
export function storeScript(options: { check: boolean; agent: boolean }): string {
  return [
    'set -e',
    `hil_mount_store ${GUEST_STORE_MOUNT}`,
    options.check
      ? `if [ -d ${GUEST_STORE_PATH} ]; then node test/hil/guest/store-check.mjs ${GUEST_STORE_PATH}; else echo 'hil-store {"count":0,"first":null,"last":null,"gapCount":0,"gaps":[]}'; fi`
      : '',
    // Through a pipe: on the console (a TTY) pino would print for people, not JSON lines.
    options.agent ? 'node dist/sensor-agent.js run --config /tmp/hil/agent.json 2>&1 | cat' : `umount ${GUEST_STORE_MOUNT}`,
    '',
  ].join('\n');
}

export interface StoreCheck {
  count: number;
  first: number | null;
  last: number | null;
  gapCount: number;
  gaps: Array<[number, number]>;
}

export function parseStoreLine(line: string): StoreCheck {
  return JSON.parse(line.slice(line.indexOf('{'))) as StoreCheck;
}

/** The agent's `buffer open` log line: what it recovered on start, and the epoch it runs in. */
export function parseBufferOpen(line: string): { lastSeq: number; backlog: number; recoveredFrom: string | null; epoch: number } {
  return JSON.parse(line.slice(line.indexOf('{'))) as { lastSeq: number; backlog: number; recoveredFrom: string | null; epoch: number };
}

export interface AcceptedWatcher {
  /** Highest seq the agent has reported accepted so far. */
  lastReported(): number;
  /** Resolves once a reported seq reaches `seq`. */
  waitForSeq(seq: number, timeoutMs?: number): Promise<void>;
  stop(): void;
}

/** Connects (retrying until the agent listens) to ws://127.0.0.1:hostPort/ws and subscribes to readings. */
export function watchAccepted(hostPort: number): AcceptedWatcher {
  let highest = 0;
  let stopped = false;
  let socket: WebSocket | null = null;
  const listeners = new Set<() => void>();
  const seen = (seq: unknown): void => {
    if (typeof seq === 'number' && seq > highest) highest = seq;
    for (const listener of listeners) listener();
  };
  const connect = (): void => {
    if (stopped) return;
    const ws = new WebSocket(`ws://127.0.0.1:${hostPort}/ws`);
    socket = ws;
    ws.on('open', () => ws.send(JSON.stringify({ subscribe: 'readings' })));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type?: string; data?: { seq?: unknown; buffer?: { lastSeq?: unknown } } };
      if (message.type === 'reading') seen(message.data?.seq);
      else if (message.type === 'status') seen(message.data?.buffer?.lastSeq);
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (!stopped) setTimeout(connect, 200);
    });
  };
  connect();
  return {
    lastReported: () => highest,
    waitForSeq: (seq, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        if (highest >= seq) return resolve();
        const check = (): void => {
          if (highest < seq) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`the agent reported no seq >= ${seq} within ${timeoutMs} ms (highest ${highest})`));
        }, timeoutMs);
        listeners.add(check);
      }),
    stop: () => {
      stopped = true;
      socket?.terminate();
    },
  };
}
