// Scenario 9, slow consumers: 200 WebSocket clients subscribe to every reading and then never read
// (their sockets paused) while the daemon publishes at full rate. Its memory stays bounded and its
// publish rate falls by no more than 10% against the same run without them. The rate is measured
// as readings delivered per reading sampled in the same window: on two cores shared with other
// work, readings per second measure the neighbours too (the sampler slows with the machine), while
// a publisher that falls behind its own sampler is what slow clients would cause.
import { loadavg } from 'node:os';
import WebSocket from 'ws';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { SLOW_START, rssMb, sleep } from './helpers-agent.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, startChildAgent, writeConfig } from '../helpers/child-agent.js';
import { e2eConfig, TOPIC_PREFIX } from '../e2e/agent-config.js';
import { recordResult } from '../helpers/results.js';

const SCENARIO = '9 slow consumers';
const PROMISE = 'WebSocket clients that never read cannot hurt the agent: its memory stays bounded and its publish rate falls by no more than 10%.';
const FAST_SENSOR = { id: 'load', driver: 'simulated', interval: '50ms', signal: 'counter', burst: 50, decimals: 0 };
const CLIENTS = 200;
const MEASURE_MS = 4_000;
/** Clients that never read are cut once their send queue passes its share; the kernel buffers fill first. */
const CUT_OFF_WAIT_MS = 90_000;

describe('fault scenario 9: slow consumers', () => {
  let broker: AedesBroker | undefined;
  let subscriber: Subscriber | undefined;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    await ensureBuilt();
  });

  afterEach(async () => {
    for (const socket of sockets) socket.terminate();
    await cleanupChildAgents();
    await subscriber?.stop();
    await broker?.stop();
  });

  it(`keeps memory bounded and the publish rate within 10% with ${CLIENTS} WebSocket clients that never read`, async () => {
    broker = await startAedes();
    subscriber = await startSubscriber(broker.url, `${TOPIC_PREFIX}/#`);
    const dir = await agentFolder('sensor-agent-faults-slow-');
    const config = e2eConfig({ brokerUrl: broker.url, dir, sensors: [FAST_SENSOR] });
    // Room for every client: the scenario is about clients that get in and then never read.
    const agent = await startChildAgent(await writeConfig(dir, { ...config, status: { ...(config.status as object), maxClients: CLIENTS + 10 } }), SLOW_START);
    await agent.waitForStatus((status) => status.mqtt.connected && status.mqtt.published > 500, 60_000, 'publishing');
    interface Window {
      deliveredPerSecond: number;
      sampledPerSecond: number;
      /** Readings delivered per reading sampled: 1 while the publisher keeps up. */
      keptUp: number;
    }
    const rate = async (): Promise<Window> => {
      const delivered = subscriber!.seqs().size;
      const sampled = (await agent.status()).buffer.lastSeq;
      const started = Date.now();
      await sleep(MEASURE_MS);
      const deliveredDelta = subscriber!.seqs().size - delivered;
      const sampledDelta = (await agent.status()).buffer.lastSeq - sampled;
      const seconds = (Date.now() - started) / 1000;
      return {
        deliveredPerSecond: Math.round(deliveredDelta / seconds),
        sampledPerSecond: Math.round(sampledDelta / seconds),
        keptUp: Math.round((deliveredDelta / Math.max(sampledDelta, 1)) * 1000) / 1000,
      };
    };
    // Steady state first: a publisher still catching up on its start-up backlog delivers more than
    // is sampled, which would flatter the baseline.
    await agent.waitForStatus((status) => status.mqtt.connected && status.buffer.backlog < 200, 60_000, 'a steady state');
    const baseline = await rate();
    const rssBaseline = await rssMb(agent.child.pid);

    const wsUrl = agent.statusUrl.replace('http://', 'ws://').replace('/status.json', '/ws');
    let accepted = 0;
    let refused = 0;
    await Promise.all(
      Array.from(
        { length: CLIENTS },
        () =>
          new Promise<void>((resolve) => {
            const socket = new WebSocket(wsUrl);
            sockets.push(socket);
            socket.on('error', () => undefined);
            socket.once('unexpected-response', () => {
              refused++;
              resolve();
            });
            socket.once('open', () => {
              accepted++;
              socket.send('{"subscribe":"readings"}', () => {
                (socket as unknown as { _socket: { pause(): void } })._socket.pause();
                resolve();
              });
            });
          }),
      ),
    );
    let rssMax = 0;
    const rssSamples: Array<[seconds: number, mb: number | null]> = [];
    const connectedAt = Date.now();
    const sampler = setInterval(
      () =>
        void rssMb(agent.child.pid).then((mb) => {
          rssMax = Math.max(rssMax, mb ?? 0);
          rssSamples.push([Math.round((Date.now() - connectedAt) / 1000), mb]);
        }),
      200,
    );
    const loaded = await rate();
    // Then until the agent has cut every one of them off (the kernel's socket buffers fill first),
    // memory sampled all along; then the rate again.
    const loadedAt = Date.now();
    // Cut for a full send queue, or for not answering a ping (status port pings every 30 s).
    const cutOffs = (): number => agent.logged('is not reading; disconnected').length + agent.logged('did not answer ping; disconnected').length;
    await agent.waitForLog(() => cutOffs() >= accepted, CUT_OFF_WAIT_MS, `${accepted} clients cut off`).catch(() => undefined);
    const cutOffSeconds = Math.round((Date.now() - loadedAt) / 100) / 10;
    const afterCutOff = await rate();
    clearInterval(sampler);
    const cutOff = cutOffs();
    const cutForQueue = agent.logged('is not reading; disconnected').length;
    const status = await agent.status();
    expect(await agent.stop()).toBe(0);
    const lastSeq = status.buffer.lastSeq;
    const received = subscriber.seqs();
    const missing = [...Array(lastSeq).keys()].filter((i) => !received.has(i + 1)).length;

    recordResult({
      scenario: SCENARIO,
      promise: PROMISE,
      clients: CLIENTS,
      clientsAccepted: accepted,
      clientsRefused: refused,
      slowClientsCutOff: cutOff,
      cutOffForFullQueue: cutForQueue,
      cutOffForNoPong: cutOff - cutForQueue,
      rssMbOverTime: rssSamples.filter((_, i) => i % 25 === 0),
      baseline,
      withSlowClients: loaded,
      secondsUntilAllCutOff: cutOff === accepted ? cutOffSeconds : null,
      afterCutOff,
      publishRateChangePercent: Math.round(((loaded.keptUp - Math.min(1, baseline.keptUp)) / Math.min(1, baseline.keptUp)) * 1000) / 10,
      loadAverage: loadavg()[0],
      rssBaselineMb: rssBaseline,
      rssMaxWithSlowClientsMb: rssMax,
      accepted: lastSeq,
      lostBeforeStop: missing,
    });
    expect(accepted).toBe(CLIENTS);
    expect(cutOff).toBe(CLIENTS);
    // Without slow clients the publisher keeps up (keptUp 1, or more while it catches up).
    expect(loaded.keptUp).toBeGreaterThanOrEqual(Math.min(1, baseline.keptUp) * 0.9);
    expect(rssMax).toBeLessThan((rssBaseline ?? 0) + 150);
  }, 180_000);
});
