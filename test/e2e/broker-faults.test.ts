// The built daemon when the broker is not there: it keeps sampling into the buffer, says so once
// (not once per retry), drains when the broker appears; and its last will tells subscribers it is
// offline when the link dies under it.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startAedes, type AedesBroker } from '../helpers/broker.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { missingSeqs, startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, startChildAgent, writeConfig } from '../helpers/child-agent.js';
import { e2eConfig, TOPIC_PREFIX } from './agent-config.js';

describe('the built daemon and an absent broker', () => {
  let broker: AedesBroker | null = null;
  let proxy: TcpProxy | null = null;
  let subscriber: Subscriber | null = null;

  beforeAll(async () => {
    await ensureBuilt();
  });

  afterEach(async () => {
    await cleanupChildAgents();
    await subscriber?.stop();
    await proxy?.stop();
    await broker?.stop();
    subscriber = null;
    proxy = null;
    broker = null;
  });

  it('keeps running and buffering while the broker is unreachable, warns once, and drains when it appears', async () => {
    const port = await freePort();
    const dir = await agentFolder();
    const agent = await startChildAgent(await writeConfig(dir, e2eConfig({ brokerUrl: `mqtt://127.0.0.1:${port}`, dir, logLevel: 'debug' })));

    // Several refused attempts (logged at debug level only) while readings accumulate.
    await agent.waitForLogCount('mqtt connect attempt failed', 3, 15_000);
    const offline = await agent.waitForStatus((status) => status.buffer.backlog >= 100, 15_000, 'a backlog');
    expect(offline.mqtt.connected).toBe(false);
    expect(offline.mqtt.lastError).toMatch(/refused/);
    expect(offline.sensors[0]?.state).toBe('ok');
    expect(agent.child.exitCode).toBeNull();
    const unreachable = agent.logged('unreachable');
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]).toMatchObject({ level: 40, broker: `mqtt://127.0.0.1:${port}` });

    broker = await startAedes(port);
    subscriber = await startSubscriber(broker.url, `${TOPIC_PREFIX}/#`);
    const online = await agent.waitForStatus((status) => status.mqtt.connected, 15_000, 'the connection');
    const sub = subscriber;
    await sub.waitForAll(online.buffer.lastSeq, 20_000);
    expect(missingSeqs(sub.seqs(), online.buffer.lastSeq)).toEqual([]);
    await agent.waitForStatus((status) => status.buffer.backlog < offline.buffer.backlog, 10_000, 'the backlog shrinking');

    // Still exactly one warning: the retries after it and the reconnect did not repeat it.
    expect(agent.logged('unreachable')).toHaveLength(1);
    expect(await agent.stop()).toBe(0);
  });

  it('has the broker publish its last will (retained offline) when the link is cut, and the birth again after the restore', async () => {
    broker = await startAedes();
    proxy = await startTcpProxy(broker.port);
    subscriber = await startSubscriber(broker.url, `${TOPIC_PREFIX}/status`);
    const sub = subscriber;
    const dir = await agentFolder();
    const agent = await startChildAgent(await writeConfig(dir, e2eConfig({ brokerUrl: proxy.url, dir })));

    await sub.waitFor(() => sub.statuses.at(-1)?.state === 'online', 10_000, 'the birth message');
    proxy.cut();
    await sub.waitFor(() => sub.statuses.at(-1)?.state === 'offline', 10_000, 'the last will');
    expect(sub.statuses.at(-1)).toEqual({ state: 'offline' });
    expect(agent.child.exitCode).toBeNull();

    proxy.restore();
    await sub.waitFor(() => sub.statuses.at(-1)?.state === 'online', 10_000, 'the birth message after the restore');
    expect((await agent.status()).mqtt.reconnects).toBe(1);
    expect(await agent.stop()).toBe(0);
  });
});
