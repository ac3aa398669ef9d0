// Issue 21, priority through an outage: the built daemon with a normal sensor at ~200 readings/s
// and a high-priority one (`priority: high`) at 5/s, the link cut (TCP proxy) from the start, the
// buffer full well past store.maxBytes, and kill -9 in the middle of the outage. After the link
// comes back: every high reading arrives (none dropped while normal ones could be), the outage's
// high backlog before any of its normal backlog, and the drop counters match exactly what is
// missing (accepted - delivered == dropped, droppedHigh == 0). A second run keeps only high
// readings: a buffer full of them applies drop-oldest among them, counted in droppedHigh.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startSubscriber, type ReceivedReading, type Subscriber } from '../helpers/subscriber.js';
import { agentFolder, cleanupChildAgents, startChildAgent, writeConfig, type ChildAgent } from '../helpers/child-agent.js';
import type { StatusSnapshot } from '../../src/status/status-types.js';
import { faultConfig, sleep, startFaultBroker, TOPIC_PREFIX, type FaultBroker, SLOW_START } from './helpers-agent.js';
import { recordResult } from '../helpers/results.js';

const OUTAGE_SECONDS = Number(process.env.FAULTS_OUTAGE_SECONDS ?? 12);
const ALARM_TOPIC = `${TOPIC_PREFIX}/alarm`;
const LOAD_TOPIC = `${TOPIC_PREFIX}/load`;

function priorityConfig(brokerUrl: string, dir: string, withLoad: boolean): Record<string, unknown> {
  const base = faultConfig({ brokerUrl, dir, burst: 20, maxBytes: '64KB', overflow: 'drop-oldest' });
  const alarm = { id: 'alarm', driver: 'simulated', interval: '200ms', signal: 'counter', decimals: 0, priority: 'high' };
  return { ...base, sensors: withLoad ? [...(base.sensors as unknown[]), alarm] : [alarm] };
}

/** Waits until the outage has filled the buffer and dropped readings; returns the status then. */
async function untilDropping(agent: ChildAgent, what: string): Promise<StatusSnapshot> {
  return agent.waitForStatus((status) => status.buffer.dropped > 0, 60_000, what);
}

/**
 * The alarm's counter starts at 0 in each run: the values of each run (told apart by their
 * sampling time, before or after the kill) are 0..n-1 when none of its readings was lost.
 */
function alarmRuns(readings: ReceivedReading[], killedAt: number): Array<{ count: number; contiguous: boolean; values: number[] }> {
  const alarms = readings.filter((reading) => reading.topic === ALARM_TOPIC);
  const unique = [...new Map(alarms.map((reading) => [reading.seq, reading])).values()];
  return [unique.filter((reading) => reading.ts < killedAt), unique.filter((reading) => reading.ts >= killedAt)].map((run) => {
    const values = run.map((reading) => reading.v.value!).sort((a, b) => a - b);
    return { count: values.length, contiguous: values.every((value, i) => value === i), values: values.slice(0, 5) };
  });
}

describe('fault: priority through an outage, a full buffer and kill -9', () => {
  let broker: FaultBroker;
  let proxy: TcpProxy;
  let subscriber: Subscriber;

  beforeAll(async () => {
    broker = await startFaultBroker();
    proxy = await startTcpProxy(broker.port);
  });

  // Each scenario's own subscriber: seqs start at 1 again in each one's store.
  beforeEach(async () => {
    subscriber = await startSubscriber(broker.url, `${TOPIC_PREFIX}/+`);
  });

  afterEach(async () => {
    await cleanupChildAgents();
    await subscriber?.stop();
  });

  afterAll(async () => {
    await proxy?.stop();
    await broker?.stop();
  });

  it('delivers every high reading, the high backlog first, and counts exactly the normal readings dropped', async () => {
    const dir = await agentFolder('faults-priority-');
    proxy.cut();
    const configFile = await writeConfig(dir, priorityConfig(proxy.url, dir, true));
    const first = await startChildAgent(configFile, SLOW_START);
    await untilDropping(first, 'the first run to fill the buffer');
    await sleep((OUTAGE_SECONDS * 1000) / 2);
    await first.kill();
    const killedAt = Date.now();

    const agent = await startChildAgent(configFile, SLOW_START);
    const reopened = await agent.status();
    // The first run's high readings are all still waiting (none was dropped: normal ones were).
    expect(reopened.buffer.droppedHigh).toBe(0);
    expect(reopened.buffer.highBacklog).toBeGreaterThan(0);
    await sleep((OUTAGE_SECONDS * 1000) / 2);
    const beforeRestore = await agent.status();
    expect(beforeRestore.mqtt.connected).toBe(false);
    const splitSeq = beforeRestore.buffer.lastSeq;
    const arrivedBefore = subscriber.readings.length;
    proxy.restore();

    // Settled: every seq up to a status's lastSeq arrived except exactly the `dropped` of that status.
    let settled: StatusSnapshot | null = null;
    let missing: number[] = [];
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const status = await agent.status();
      if (status.mqtt.connected && status.buffer.backlog < 200) {
        const received = subscriber.seqs();
        missing = [];
        for (let seq = 1; seq <= status.buffer.lastSeq; seq += 1) if (!received.has(seq)) missing.push(seq);
        if (missing.length === status.buffer.dropped) {
          settled = status;
          break;
        }
      }
      await sleep(500);
    }
    expect(await agent.stop()).toBe(0);
    expect(settled, `missing ${missing.length} seqs`).not.toBeNull();
    const final = settled!;

    // Arrival order of the outage's backlog: every high reading before any normal one.
    const drained = subscriber.readings.slice(arrivedBefore).filter((reading) => reading.seq <= splitSeq);
    const firstNormal = drained.findIndex((reading) => reading.topic === LOAD_TOPIC);
    const lastHigh = drained.map((reading) => reading.topic).lastIndexOf(ALARM_TOPIC);
    const runs = alarmRuns(subscriber.readings, killedAt);
    const highDelivered = runs[0]!.count + runs[1]!.count;
    const received = subscriber.seqs();
    const result = {
      scenario: 'priority-outage',
      promise: 'Through an outage into a full buffer with kill -9 in the middle, every high-priority reading arrives, the high backlog before the normal backlog, and accepted - delivered == dropped with droppedHigh 0.',
      ok: runs.every((run) => run.contiguous) && lastHigh < firstNormal && final.buffer.droppedHigh === 0 && missing.length === final.buffer.dropped,
      broker: broker.kind,
      outageSeconds: OUTAGE_SECONDS,
      accepted: final.buffer.lastSeq,
      delivered: [...received].filter((seq) => seq <= final.buffer.lastSeq).length,
      dropped: final.buffer.dropped,
      droppedHigh: final.buffer.droppedHigh,
      highDelivered,
      highPerRun: runs.map((run) => run.count),
      highFirstValuesPerRun: runs.map((run) => run.values),
      highBacklogAtRestart: reopened.buffer.highBacklog,
      backlogHighBeforeNormal: { lastHighIndex: lastHigh, firstNormalIndex: firstNormal, drainedFromOutage: drained.length },
      duplicates: subscriber.readings.length - received.size,
    };
    recordResult(result);
    console.log(JSON.stringify(result));
    expect(runs[0]!.count).toBeGreaterThan(0);
    expect(runs[1]!.count).toBeGreaterThan(0);
    expect(runs.map((run) => run.contiguous)).toEqual([true, true]);
    expect(final.buffer.droppedHigh).toBe(0);
    expect(final.buffer.dropped).toBeGreaterThan(0);
    expect(subscriber.statuses.filter((status) => status.state === 'online').at(-1)).toMatchObject({ droppedHigh: 0 });
    expect(missing.length).toBe(final.buffer.dropped);
    // None of the missing seqs is a high reading: every alarm seq the daemon accepted arrived.
    expect(firstNormal).toBeGreaterThan(0);
    expect(lastHigh).toBeLessThan(firstNormal);
  });

  it('applies drop-oldest among high readings when nothing else is in the buffer, counted in droppedHigh', async () => {
    const dir = await agentFolder('faults-priority-high-');
    proxy.cut();
    const config = priorityConfig(proxy.url, dir, false);
    // Only the high sensor, fast enough to fill 64 KB within the outage: 40 readings per 100 ms.
    (config.sensors as Array<Record<string, unknown>>)[0] = { id: 'alarm', driver: 'simulated', interval: '100ms', signal: 'counter', burst: 40, decimals: 0, priority: 'high' };
    const configFile = await writeConfig(dir, config);
    const first = await startChildAgent(configFile, SLOW_START);
    await untilDropping(first, 'the high readings to fill the buffer');
    await first.kill();
    const agent = await startChildAgent(configFile, SLOW_START);
    const full = await agent.status();
    expect(full.buffer.droppedHigh).toBe(full.buffer.dropped);
    expect(full.buffer.highBacklog).toBe(full.buffer.backlog);
    proxy.restore();
    let settled: StatusSnapshot | null = null;
    let missing: number[] = [];
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const status = await agent.status();
      if (status.mqtt.connected && status.buffer.backlog < 200) {
        const received = subscriber.seqs();
        missing = [];
        for (let seq = 1; seq <= status.buffer.lastSeq; seq += 1) if (!received.has(seq)) missing.push(seq);
        if (missing.length === status.buffer.dropped) {
          settled = status;
          break;
        }
      }
      await sleep(500);
    }
    expect(await agent.stop()).toBe(0);
    expect(settled, `missing ${missing.length} seqs`).not.toBeNull();
    const result = {
      scenario: 'priority-all-high',
      promise: 'A buffer full of high-priority readings alone applies drop-oldest among them: the oldest are dropped and counted in droppedHigh (== dropped), everything else arrives.',
      ok: settled!.buffer.droppedHigh === settled!.buffer.dropped && missing.length === settled!.buffer.dropped,
      broker: broker.kind,
      accepted: settled!.buffer.lastSeq,
      dropped: settled!.buffer.dropped,
      droppedHigh: settled!.buffer.droppedHigh,
      oldestMissing: missing.slice(0, 3),
      newestMissing: missing.slice(-3),
    };
    recordResult(result);
    console.log(JSON.stringify(result));
    expect(settled!.buffer.droppedHigh).toBe(settled!.buffer.dropped);
    expect(settled!.buffer.dropped).toBeGreaterThan(0);
    // The birth message on the reconnect counts them too.
    const birth = subscriber.statuses.filter((status) => status.state === 'online').at(-1)!;
    expect(birth.droppedHigh).toBeGreaterThanOrEqual(full.buffer.droppedHigh);
    expect(birth.droppedHigh).toBe(birth.dropped);
    // drop-oldest: the missing ones are the oldest (nothing was in flight: the link was down throughout).
    expect(missing).toEqual(Array.from({ length: missing.length }, (_, i) => i + 1));
  });
});
