// Scenario 7, power loss as near as one machine gets. (a) strace counts the daemon's fsync and
// fdatasync calls: none while the link is up and everything is acknowledged, about one per
// commitInterval (1s here) while the broker is away and readings wait. (b) The store's folder is
// copied (cp -r, as a cut leaves the files) at arbitrary moments while the daemon buffers offline;
// each copy must open and hold every reading accepted more than one commitInterval before it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { SLOW_START, sleep } from './helpers-agent.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, startChildAgent, writeConfig } from '../helpers/child-agent.js';
import { BURST_SENSOR, e2eConfig } from '../e2e/agent-config.js';
import { ReadingBuffer } from '../../src/buffer/reading-buffer.js';
import { silentLog, readAll } from '../buffer/buffer-fixture.js';
import { recordResult } from '../helpers/results.js';

const SCENARIO = '7 power loss';
const PROMISE = 'The store is synced at least every commitInterval while readings wait and never while everything is acked, and a copy of its files taken at any moment opens and holds every reading accepted more than one commitInterval earlier.';
const COMMIT_INTERVAL_MS = 1_000;
/**
 * A slow sensor for the connected phase (at 200/s something is always in flight). Its interval is
 * deliberately not a divisor of commitInterval: see the aligned-timer bug below.
 */
const SLOW_SENSOR = { id: 'slow', driver: 'simulated', interval: '700ms', signal: 'counter', decimals: 0 };

function straceMissing(): string | null {
  return spawnSync('strace', ['-V'], { encoding: 'utf8' }).status === 0 ? null : 'strace is not installed (apt-get install strace; .ci/run does)';
}

/** Epoch ms of each sync call in an `strace -f -tt` output (the date is today's). */
function syncTimes(text: string): number[] {
  const today = new Date();
  const times: number[] = [];
  for (const line of text.split('\n')) {
    const match = /(\d\d):(\d\d):(\d\d)\.(\d+) (fsync|fdatasync)\(/.exec(line);
    if (!match || line.includes('resumed>')) continue;
    const at = new Date(today);
    at.setHours(Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4]!.slice(0, 3)));
    times.push(at.getTime());
  }
  return times;
}

describe('fault scenario 7: power loss', () => {
  let broker: AedesBroker | undefined;
  let proxy: TcpProxy | undefined;
  let tracer: ChildProcess | undefined;

  beforeAll(async () => {
    await ensureBuilt();
  });

  afterEach(async () => {
    tracer?.kill('SIGINT');
    await cleanupChildAgents();
    await proxy?.stop();
    await broker?.stop();
  });

  it('syncs every commitInterval only while readings wait, and every copy of the store holds what was accepted a commitInterval earlier', async () => {
    const missing = straceMissing();
    if (missing) {
      recordResult({ scenario: SCENARIO, promise: PROMISE, skipped: missing });
      return;
    }
    broker = await startAedes();
    proxy = await startTcpProxy(broker.port);
    const dir = await agentFolder('sensor-agent-faults-power-');
    const configFor = (sensors: Array<Record<string, unknown>>): Record<string, unknown> => {
      const config = e2eConfig({ brokerUrl: proxy!.url, dir, sensors });
      (config.store as Record<string, unknown>).commitInterval = `${COMMIT_INTERVAL_MS}ms`;
      return config;
    };
    const traceFile = join(dir, 'strace.txt');
    const attach = async (pid: number | undefined, file: string): Promise<ChildProcess> => {
      const child = spawn('strace', ['-f', '-tt', '-e', 'trace=fsync,fdatasync', '-o', file, '-p', String(pid)], { stdio: 'ignore' });
      await sleep(500); // strace attaches to every thread
      return child;
    };
    const detach = async (): Promise<void> => {
      const running = tracer;
      tracer = undefined;
      if (!running) return;
      running.kill('SIGINT');
      if (running.exitCode === null) await new Promise((resolve) => running.once('close', resolve));
    };

    // Phase 1, a healthy device: link up, a reading every 500 ms, each acked within milliseconds.
    const quiet = await startChildAgent(await writeConfig(dir, configFor([SLOW_SENSOR]), 'quiet.json'), SLOW_START);
    tracer = await attach(quiet.child.pid, join(dir, 'strace-quiet.txt'));
    await quiet.waitForStatus((status) => status.mqtt.connected && status.mqtt.published > 0, 30_000, 'publishing');
    const upFrom = Date.now();
    await sleep(4_000);
    const upTo = Date.now();
    const quietStatus = await quiet.status();
    await detach();
    expect(await quiet.stop()).toBe(0);
    const upSyncs = syncTimes(await readFile(join(dir, 'strace-quiet.txt'), 'utf8')).filter((at) => at >= upFrom && at < upTo).length;

    // Phase 2 on the same store under load (200 readings/s).
    const agent = await startChildAgent(await writeConfig(dir, configFor([SLOW_SENSOR, BURST_SENSOR])), SLOW_START);
    tracer = await attach(agent.child.pid, traceFile);
    await agent.waitForStatus((status) => status.mqtt.connected && status.mqtt.published > 50, 30_000, 'publishing');

    // Phase 2, broker away: readings wait; copies taken at arbitrary moments.
    proxy.cut();
    const atCut = await agent.waitForStatus((status) => !status.mqtt.connected, 30_000, 'disconnected');
    const offFrom = Date.now();
    const timeline: Array<{ at: number; lastSeq: number }> = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const before = Date.now();
        const status = await agent.status();
        timeline.push({ at: before, lastSeq: status.buffer.lastSeq });
        await sleep(50);
      }
    })();
    const copies: Array<{ at: number; path: string }> = [];
    const offlineMs = 6_000;
    const copyMoments = [1_300, 2_100, 2_950, 3_800, 4_650, 5_500].map((ms) => ms + Math.floor(Math.random() * 300));
    for (const [i, moment] of copyMoments.entries()) {
      await sleep(Math.max(0, offFrom + moment - Date.now()));
      const path = join(dir, `copy-${i}`);
      const at = Date.now();
      await cp(join(dir, 'buffer'), path, { recursive: true });
      copies.push({ at, path });
    }
    await sleep(Math.max(0, offFrom + offlineMs - Date.now()));
    const offTo = Date.now();
    polling = false;
    await poller;

    // Phase 3, link back: drained, then connected under load.
    proxy.restore();
    await agent.waitForStatus((status) => status.mqtt.connected && status.buffer.backlog < 50, 60_000, 'drained');
    const drainedAt = Date.now();
    await sleep(3_000);
    const quietTo = Date.now();
    await detach();
    const stats = await agent.status();
    expect(await agent.stop()).toBe(0);

    const syncs = syncTimes(await readFile(traceFile, 'utf8'));
    const between = (from: number, to: number): number[] => syncs.filter((at) => at >= from && at < to);
    const offline = between(offFrom, offTo);
    const gaps = offline.slice(1).map((at, i) => at - offline[i]!);
    const firstGap = offline.length > 0 ? offline[0]! - offFrom : null;
    const loadedUpMs = quietTo - (drainedAt + COMMIT_INTERVAL_MS + 200);
    const loadedUpSyncs = between(drainedAt + COMMIT_INTERVAL_MS + 200, quietTo).length;

    // (b) Each copy opens; it holds every seq accepted before (copy time - commitInterval).
    const cutSeq = atCut.buffer.lastSeq;
    const copyFigures: Array<{ opened: boolean; required: number; held: number; missing: number; beyond: number }> = [];
    for (const copy of copies) {
      const required = Math.max(cutSeq, ...timeline.filter((point) => point.at <= copy.at - COMMIT_INTERVAL_MS).map((point) => point.lastSeq));
      const buffer = new ReadingBuffer({ path: copy.path, maxBytes: 256_000_000, overflow: 'drop-oldest', commitIntervalMs: COMMIT_INTERVAL_MS }, silentLog);
      try {
        await buffer.start();
        const held = new Set(await readAll(buffer));
        let missingCount = 0;
        for (let seq = cutSeq + 1; seq <= required; seq++) if (!held.has(seq)) missingCount++;
        copyFigures.push({ opened: buffer.stats().recoveredFrom === null, required: required - cutSeq, held: held.size, missing: missingCount, beyond: Math.max(...held) - required });
      } catch {
        copyFigures.push({ opened: false, required: required - cutSeq, held: 0, missing: required - cutSeq, beyond: 0 });
      } finally {
        await buffer.stop();
      }
    }

    recordResult({
      scenario: SCENARIO,
      promise: PROMISE,
      commitIntervalMs: COMMIT_INTERVAL_MS,
      loadPerSecond: 202,
      syncsWhileUpAndAcked: upSyncs,
      upPhaseMs: upTo - upFrom,
      quietAgentSyncCounter: quietStatus.buffer.syncs,
      syncsOffline: offline.length,
      offlinePhaseMs: offTo - offFrom,
      firstSyncAfterCutMs: firstGap,
      maxSyncIntervalOfflineMs: gaps.length > 0 ? Math.max(...gaps) : null,
      minSyncIntervalOfflineMs: gaps.length > 0 ? Math.min(...gaps) : null,
      syncsConnectedUnderLoad: loadedUpSyncs,
      connectedUnderLoadMs: loadedUpMs,
      syncsTotalLoadedRun: syncs.length,
      agentSyncCounterLoadedRun: stats.buffer.syncs,
      copies: copies.length,
      copiesOpened: copyFigures.filter((copy) => copy.opened).length,
      lost: copyFigures.reduce((sum, copy) => sum + copy.missing, 0),
      perCopy: copyFigures.map((copy) => `required ${copy.required}, held ${copy.held}, missing ${copy.missing}, newer ${copy.beyond}`),
    });
    expect(upSyncs).toBe(0);
    // Under load something is always in flight: at most one sync per interval, as while offline.
    expect(loadedUpSyncs).toBeLessThanOrEqual(Math.ceil(loadedUpMs / COMMIT_INTERVAL_MS) + 1);
    expect(offline.length).toBeGreaterThanOrEqual(Math.floor((offTo - offFrom) / COMMIT_INTERVAL_MS) - 1);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(COMMIT_INTERVAL_MS * 1.5);
    expect(offline.length).toBeLessThanOrEqual(Math.ceil((offTo - offFrom) / COMMIT_INTERVAL_MS) + 2);
    expect(copyFigures.every((copy) => copy.opened && copy.missing === 0)).toBe(true);
  }, 90_000);

  // BUG (src/buffer, reported, not fixed here): the sync timer is armed by the first unsynced put
  // and, when it fires, syncs if ANY reading waits. With a sensor interval that divides
  // commitInterval (500ms and 1s; 5s and the default 5s), a new reading is accepted in the same
  // millisecond the timer fires, is not yet acked, and forces a sync: one fsync per commitInterval
  // on a healthy, connected device whose every reading is acked within milliseconds. Fix idea:
  // sync only if a reading written before the timer was armed is still waiting; else re-arm.
  it('does not sync on a connected device whose readings are all acked, even when the sensor interval divides commitInterval', async () => {
    const dir = await agentFolder('sensor-agent-faults-power-bug-');
    const buffer = new ReadingBuffer({ path: join(dir, 'buffer'), maxBytes: 256_000_000, overflow: 'drop-oldest', commitIntervalMs: 200 }, silentLog);
    await buffer.start();
    try {
      const started = Date.now();
      for (let tick = 1; tick <= 12; tick++) {
        // A reading every 100 ms, acked 5 ms after it is accepted (a broker on the LAN).
        const stored = await buffer.append({ sensor: 'slow', ts: Date.now(), values: { value: tick } });
        await sleep(5);
        await buffer.ack([stored!.seq]);
        await sleep(Math.max(0, started + tick * 100 - Date.now()));
      }
      expect(buffer.stats().syncs).toBe(0);
    } finally {
      await buffer.stop();
    }
  });
});
