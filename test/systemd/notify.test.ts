// The built daemon under a fake systemd: NOTIFY_SOCKET and WATCHDOG_USEC set as systemd sets them
// for Type=notify with WatchdogSec=, messages sent through the real systemd-notify.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentFolder, cleanupChildAgents, ensureBuilt, startChildAgent, writeConfig } from '../helpers/child-agent.js';
import { SystemdNotifier } from '../../src/systemd/notify.js';
import { notifySkipReason, startFakeNotifySocket, type FakeNotifySocket } from './fake-notify.js';

const skipReason = notifySkipReason();
if (skipReason) console.warn(`skipping the systemd notify tests: ${skipReason}`);

const WATCHDOG_USEC = 600_000; // pings every 300 ms

let socket: FakeNotifySocket | null = null;
afterEach(async () => {
  await cleanupChildAgents();
  await socket?.close();
  socket = null;
});

describe.skipIf(skipReason !== null)('systemd notifications', () => {
  beforeAll(ensureBuilt, 60_000);

  it('keeps messages in order and never throws when the socket is gone', async () => {
    socket = await startFakeNotifySocket();
    const warnings: string[] = [];
    const notifier = new SystemdNotifier({ env: { ...process.env, NOTIFY_SOCKET: socket.path }, log: { warn: (_object, message) => void warnings.push(message) } });
    await Promise.all([notifier.ready('up'), notifier.watchdog(), notifier.stopping()]);
    expect(socket.messages.map((message) => message.fields)).toEqual([{ READY: '1', STATUS: 'up' }, { WATCHDOG: '1' }, { STOPPING: '1', STATUS: 'stopping' }]);
    const orphan = new SystemdNotifier({ env: { ...process.env, NOTIFY_SOCKET: `${socket.path}.missing` }, log: { warn: (_object, message) => void warnings.push(message) } });
    await orphan.watchdog();
    expect(warnings).toEqual(['systemd-notify failed']);
  });

  it('sends READY=1 once the buffer is open and the status port listens, feeds the watchdog while healthy, stops feeding it while hung, and sends STOPPING=1', async () => {
    socket = await startFakeNotifySocket();
    const dir = await agentFolder();
    const config = await writeConfig(dir, {
      device: { id: 'notify' },
      mqtt: { url: 'mqtt://127.0.0.1:1', reconnect: { min: '1s', max: '5s' } },
      store: { path: `${dir}/buffer` },
      status: { listen: '127.0.0.1:0' },
      sensors: [{ id: 'tick', driver: 'simulated', interval: '200ms', signal: 'counter' }],
    });
    const agent = await startChildAgent(config, { env: { NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: String(WATCHDOG_USEC) } });
    await socket.waitFor((messages) => messages.some((message) => message.fields.READY === '1'), 10_000, 'READY=1');
    // READY=1 came after the log said the port listens, and the port answers.
    expect(agent.logged('status port listening')).toHaveLength(1);
    expect(agent.logged('buffer open')).toHaveLength(1);
    expect((await agent.status()).device).toBe('notify');
    const first = socket.messages[0]!;
    expect(first.fields.READY).toBe('1');

    await socket.waitFor((messages) => messages.filter((message) => 'WATCHDOG' in message.fields).length >= 4, 10_000, '4 watchdog pings');
    const pings = socket.with('WATCHDOG').map((message) => message.at);
    const gaps = pings.slice(1).map((at, index) => at - pings[index]!);
    expect(Math.max(...gaps)).toBeLessThan(WATCHDOG_USEC / 1000);

    // A hung agent (stopped outright: no timer, no sampling) sends nothing for several periods ...
    agent.child.kill('SIGSTOP');
    const hungAt = socket.with('WATCHDOG').length;
    await new Promise((resolve) => setTimeout(resolve, 3 * (WATCHDOG_USEC / 1000)));
    expect(socket.with('WATCHDOG').length).toBeLessThanOrEqual(hungAt + 1); // one may have been in flight
    const silentFrom = socket.with('WATCHDOG').length;
    await new Promise((resolve) => setTimeout(resolve, 2 * (WATCHDOG_USEC / 1000)));
    expect(socket.with('WATCHDOG').length).toBe(silentFrom);
    // ... and feeds it again once it runs.
    agent.child.kill('SIGCONT');
    await socket.waitFor((messages) => messages.filter((message) => 'WATCHDOG' in message.fields).length >= silentFrom + 2, 10_000, 'pings after SIGCONT');

    expect(await agent.stop()).toBe(0);
    const stopping = socket.with('STOPPING');
    expect(stopping).toHaveLength(1);
    expect(socket.messages.at(-1)?.fields.STOPPING).toBe('1');
    expect(agent.logged('sensor-agent stopped')).toHaveLength(1);
  });

  it('sends nothing and needs no systemd-notify when NOTIFY_SOCKET is not set', async () => {
    const dir = await agentFolder();
    const config = await writeConfig(dir, {
      device: { id: 'plain' },
      mqtt: { url: 'mqtt://127.0.0.1:1' },
      store: { path: `${dir}/buffer` },
      status: { listen: '127.0.0.1:0' },
      sensors: [{ id: 'tick', driver: 'simulated', interval: '1s' }],
    });
    const agent = await startChildAgent(config, { env: { NOTIFY_SOCKET: '', PATH: '/nonexistent' } });
    expect(await agent.stop()).toBe(0);
    expect(agent.lines.filter((line) => line.part === 'systemd')).toEqual([]);
  });
});
