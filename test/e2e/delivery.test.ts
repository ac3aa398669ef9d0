// The built daemon end to end: readings flow from a simulated sensor through the LevelDB buffer to
// a real broker (Aedes behind a TCP fault proxy), a SIGTERM stops it cleanly, and neither a cut
// link nor kill -9 loses an accepted reading.
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LIFECYCLE_KEY } from '../../src/buffer/codec.js';
import { decodeLifecycle } from '../../src/buffer/epochs.js';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { missingSeqs, startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, startChildAgent, writeConfig } from '../helpers/child-agent.js';
import { e2eConfig, TOPIC_PREFIX } from './agent-config.js';

describe('the built daemon delivering readings', () => {
  let broker: AedesBroker;
  let proxy: TcpProxy;
  let subscriber: Subscriber;

  beforeAll(async () => {
    await ensureBuilt();
  });

  beforeEach(async () => {
    broker = await startAedes();
    proxy = await startTcpProxy(broker.port);
    subscriber = await startSubscriber(broker.url, `${TOPIC_PREFIX}/#`);
  });

  afterEach(async () => {
    await cleanupChildAgents();
    await subscriber.stop();
    await proxy.stop();
    await broker.stop();
  });

  it('publishes every accepted seq in order, and on SIGTERM exits 0 leaving a retained offline status', async () => {
    const dir = await agentFolder();
    const agent = await startChildAgent(await writeConfig(dir, e2eConfig({ brokerUrl: proxy.url, dir })));

    await subscriber.waitFor(() => subscriber.statuses.some((status) => status.state === 'online'), 10_000, 'the birth message');
    expect(subscriber.statuses.find((status) => status.state === 'online')).toMatchObject({ version: expect.any(String), dropped: 0 });
    // Several ticks of 20 readings each.
    await subscriber.waitFor(() => subscriber.readings.length >= 100, 15_000, '100 readings');
    const { buffer, mqtt, sensors } = await agent.status();
    expect(mqtt.connected).toBe(true);
    expect(sensors).toEqual([expect.objectContaining({ id: 'load', driver: 'simulated', state: 'ok' })]);
    expect(buffer.lastSeq).toBeGreaterThanOrEqual(100);
    await subscriber.waitForAll(buffer.lastSeq, 15_000);

    expect(await agent.stop()).toBe(0);
    expect(agent.logged('sensor-agent stopped')).toHaveLength(1);
    // The SIGTERM path marks a clean stop: the next start, even after a reboot, keeps epoch 0.
    const store = new ClassicLevel<string, string>(join(dir, 'buffer'), { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    const lifecycle = decodeLifecycle((await store.get(LIFECYCLE_KEY))!);
    await store.close();
    expect(lifecycle).toMatchObject({ epoch: 0, clean: true });
    await subscriber.waitFor(() => subscriber.statuses.at(-1)?.state === 'offline', 10_000, 'the offline status');
    expect(subscriber.statuses.at(-1)).toEqual({ state: 'offline' });

    // Retained: a subscriber arriving after the agent is gone is told it is offline.
    const latecomer = await startSubscriber(broker.url, `${TOPIC_PREFIX}/status`);
    try {
      await latecomer.waitFor(() => latecomer.statuses.length > 0, 10_000, 'the retained status');
      expect(latecomer.statuses[0]).toEqual({ state: 'offline' });
    } finally {
      await latecomer.stop();
    }

    expect(missingSeqs(subscriber.seqs(), buffer.lastSeq)).toEqual([]);
    const first = subscriber.readings[0];
    expect(first).toMatchObject({ topic: `${TOPIC_PREFIX}/load`, seq: 1, v: { value: expect.any(Number) } });
    expect(first?.ts).toEqual(expect.any(Number));
    // One connection, no faults: the broker saw them in seq order, each once.
    const seqs = subscriber.readings.map((reading) => reading.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('loses nothing it accepted across a cut link and two kill -9 restarts on the same store', async () => {
    const dir = await agentFolder();
    const configFile = await writeConfig(dir, e2eConfig({ brokerUrl: proxy.url, dir }));

    // Run 1: publishing, then the link is cut and readings pile up in the buffer; then kill -9.
    const first = await startChildAgent(configFile);
    await subscriber.waitFor(() => subscriber.readings.length >= 40, 15_000, 'the first readings');
    proxy.cut();
    const offline = await first.waitForStatus((status) => !status.mqtt.connected && status.buffer.backlog > 0, 15_000, 'a backlog while offline');
    const grown = await first.waitForStatus((status) => status.buffer.lastSeq >= offline.buffer.lastSeq + 100, 15_000, 'readings accumulating offline');
    await first.kill();
    const acceptedBeforeKill = grown.buffer.lastSeq;

    // Run 2, same store, link still cut: the seq continues from the recovered last key.
    const second = await startChildAgent(configFile);
    const recovered = await second.status();
    expect(recovered.buffer.lastSeq).toBeGreaterThanOrEqual(acceptedBeforeKill);
    expect(recovered.buffer.backlog).toBeGreaterThan(0);
    // kill -9 in the same boot keeps the page cache: nothing published was lost, no new epoch.
    expect(recovered.buffer.epoch).toBe(0);
    proxy.restore();
    // Drain in progress when the second kill -9 lands: some readings are in flight, unacked.
    await second.waitForStatus((status) => status.mqtt.connected && status.mqtt.published > 0, 15_000, 'publishing after the restore');
    await second.kill();

    // Run 3: drains everything, then stops cleanly.
    const third = await startChildAgent(configFile);
    const afterSecondRestart = await third.status();
    const connected = await third.waitForStatus((status) => status.mqtt.connected, 15_000, 'a connection');
    const accepted = connected.buffer.lastSeq;
    expect(afterSecondRestart.buffer.lastSeq).toBeGreaterThanOrEqual(acceptedBeforeKill);
    expect(afterSecondRestart.buffer.epoch).toBe(0);
    await subscriber.waitForAll(accepted, 20_000);
    expect(await third.stop()).toBe(0);

    const received = subscriber.seqs();
    expect(missingSeqs(received, accepted)).toEqual([]);
    expect(subscriber.readings.filter((reading) => reading.epoch !== 0)).toEqual([]);
    // seq is unique per device across restarts: no seq means two different readings.
    const valuesBySeq = new Map<number, string>();
    for (const reading of subscriber.readings) {
      const body = JSON.stringify([reading.ts, reading.v]);
      expect(valuesBySeq.get(reading.seq) ?? body, `seq ${reading.seq} carried two different readings`).toBe(body);
      valuesBySeq.set(reading.seq, body);
    }
    const delivered = [...received].filter((seq) => seq <= accepted).length;
    console.log(
      JSON.stringify({
        test: 'e2e nothing lost',
        accepted,
        acceptedBeforeFirstKill: acceptedBeforeKill,
        delivered,
        messages: subscriber.readings.length,
        duplicates: subscriber.readings.length - received.size,
        missing: accepted - delivered,
      }),
    );
  });
});
