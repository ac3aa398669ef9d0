// Scenario 5, disk full: the store lives on a 2 MB tmpfs (a loop ext4 file system where tmpfs
// cannot be mounted) that a filler file fills up while the agent buffers offline. The agent keeps
// running, says so on the status port (/status.json, /healthz 503) and in its log, counts what it
// drops, resumes once space returns, delivers what it kept, and its store still opens after kill -9.
import { spawnSync } from 'node:child_process';
import { cp, mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { SLOW_START, rssMb, sleep } from './helpers-agent.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, startChildAgent, writeConfig, type ChildAgent } from '../helpers/child-agent.js';
import { e2eConfig, TOPIC_PREFIX } from '../e2e/agent-config.js';
import { ReadingBuffer } from '../../src/buffer/reading-buffer.js';
import { silentLog } from '../buffer/buffer-fixture.js';
import { recordResult } from '../helpers/results.js';

const SCENARIO = '5 disk full';
const PROMISE = 'A full disk is an overflow, not a crash: the agent keeps running, reports writeFailing on /status.json, 503 on /healthz and an error log line, counts every dropped reading, and resumes (and delivers what it kept) when space returns.';
/** 1,000 readings/s: the free space left goes in a few seconds. */
const FAST_SENSOR = { id: 'load', driver: 'simulated', interval: '50ms', signal: 'counter', burst: 50, decimals: 0 };
const FREE_LEFT_BYTES = 256 * 1024;

interface Mounted {
  dir: string;
  kind: string;
  unmount(): void;
}

/** A 2 MB file system at `dir`: tmpfs, else a loop-mounted ext4 image; null with the reason when neither works. */
function mountSmall(dir: string, imageDir: string): Mounted | { skipped: string } {
  const tmpfs = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { encoding: 'utf8' });
  const unmount = (): void => void spawnSync('umount', ['-l', dir]);
  if (tmpfs.status === 0) return { dir, kind: 'tmpfs 2 MB', unmount };
  const image = join(imageDir, 'disk.img');
  const steps = [
    ['truncate', ['-s', '4M', image]],
    ['mkfs.ext4', ['-q', '-F', image]],
    ['mount', ['-o', 'loop', image, dir]],
  ] as const;
  for (const [command, args] of steps) {
    const result = spawnSync(command, [...args], { encoding: 'utf8' });
    if (result.status !== 0) return { skipped: `cannot mount a small file system (tmpfs: ${tmpfs.stderr.trim() || tmpfs.error?.message}; ${command}: ${result.stderr.trim() || result.error?.message})` };
  }
  return { dir, kind: 'loop ext4 4 MB', unmount };
}

async function healthz(agent: ChildAgent): Promise<{ status: number; body: string }> {
  const response = await fetch(agent.statusUrl.replace('/status.json', '/healthz'));
  return { status: response.status, body: await response.text() };
}

describe('fault scenario 5: disk full', () => {
  let broker: AedesBroker | undefined;
  let proxy: TcpProxy | undefined;
  let subscriber: Subscriber | undefined;
  let mounted: Mounted | undefined;

  beforeAll(async () => {
    await ensureBuilt();
  });

  afterEach(async () => {
    await cleanupChildAgents().catch(() => undefined);
    mounted?.unmount();
    await subscriber?.stop();
    await proxy?.stop();
    await broker?.stop();
  });

  it('keeps running on a full disk, reports it, drops and counts, resumes when space returns, loses nothing it kept', async () => {
    const dir = await agentFolder('sensor-agent-faults-disk-');
    const mountPoint = join(dir, 'small');
    await mkdir(mountPoint);
    const attempt = mountSmall(mountPoint, dir);
    if ('skipped' in attempt) {
      recordResult({ scenario: SCENARIO, promise: PROMISE, skipped: attempt.skipped });
      return;
    }
    mounted = attempt;
    broker = await startAedes();
    proxy = await startTcpProxy(broker.port);
    subscriber = await startSubscriber(broker.url, `${TOPIC_PREFIX}/#`);
    proxy.cut(); // offline: everything accepted stays in the store and the disk fills

    const config = e2eConfig({ brokerUrl: proxy.url, dir, sensors: [FAST_SENSOR] });
    (config.store as Record<string, unknown>).path = join(mountPoint, 'buffer');
    // keepFree 0: the agent's own buffer may take the last bytes, so the disk really fills (with
    // the default 5% the buffer stops short of it: scenario 11e).
    (config.store as Record<string, unknown>).keepFree = 0;
    const configFile = await writeConfig(dir, config);
    const agent = await startChildAgent(configFile, SLOW_START);
    await agent.waitForStatus((status) => status.buffer.lastSeq > 100, 30_000, 'first readings');

    // Fill all but FREE_LEFT_BYTES.
    const fs = await statfs(mountPoint);
    const free = fs.bavail * fs.bsize;
    const filler = join(mountPoint, 'filler');
    await writeFile(filler, Buffer.alloc(Math.max(free - FREE_LEFT_BYTES, 0)));
    const filledAt = Date.now();

    const failing = await agent.waitForStatus((status) => status.buffer.writeFailing, 30_000, 'buffer.writeFailing');
    const detectedMs = Date.now() - filledAt;
    const health = await healthz(agent);
    const errorLines = agent.logged('write failed');
    // It keeps running while full: the status port answers and drops keep being counted.
    await sleep(2_000);
    const whileFull = await agent.status();
    expect(agent.child.exitCode).toBeNull();
    expect(whileFull.buffer.writeFailing).toBe(true);
    expect(whileFull.buffer.dropped).toBeGreaterThan(failing.buffer.dropped);
    const rssWhileFull = await rssMb(agent.child.pid);

    // Space returns.
    await rm(filler);
    const freedAt = Date.now();
    let resumed = true;
    let resumedMs: number | null = null;
    try {
      await agent.waitForStatus((status) => !status.buffer.writeFailing, 30_000, 'writes succeeding again');
      resumedMs = Date.now() - freedAt;
    } catch {
      resumed = false;
    }
    const afterFree = await agent.status();
    await sleep(500);
    const later = await agent.status();
    const acceptingAgain = later.buffer.dropped === afterFree.buffer.dropped && later.buffer.backlog > afterFree.buffer.backlog;

    // The link returns: everything accepted and not dropped arrives.
    const checkpoint = await agent.status();
    const window = checkpoint.buffer.lastSeq;
    const droppedAtCheckpoint = checkpoint.buffer.dropped;
    proxy.restore();
    // Readings refused while the disk was full took no seq; those of a failed write did.
    const kept = window - (droppedAtCheckpoint - (checkpoint.buffer.refused ?? 0));
    const receivedUpTo = (): number => [...subscriber!.seqs()].filter((seq) => seq <= window).length;
    await subscriber.waitFor(() => receivedUpTo() >= kept, 30_000, `${kept} kept readings`).catch(() => undefined);
    const delivered = receivedUpTo();
    const statusAfter = await agent.status();

    // Finally kill -9 offline and restart on the same store: it opens, lastSeq is kept.
    proxy.cut();
    const beforeKill = await agent.waitForStatus((status) => !status.mqtt.connected && status.buffer.backlog > 0, 30_000, 'offline backlog');
    await agent.kill();
    const restarted = await startChildAgent(configFile, SLOW_START);
    const reopened = await restarted.status();
    proxy.restore();
    const keptSecond = beforeKill.buffer.lastSeq - (beforeKill.buffer.dropped - (beforeKill.buffer.refused ?? 0));
    const receivedSecond = (): number => [...subscriber!.seqs()].filter((seq) => seq <= beforeKill.buffer.lastSeq).length;
    await subscriber.waitFor(() => receivedSecond() >= keptSecond, 60_000, 'readings kept across kill -9').catch(() => undefined);
    const deliveredSecond = receivedSecond();
    await restarted.stop();
    const duplicates = subscriber.readings.length - subscriber.seqs().size;

    const record = recordResult({
      scenario: SCENARIO,
      promise: PROMISE,
      filesystem: attempt.kind,
      accepted: kept,
      delivered,
      lost: Math.max(0, kept - delivered),
      duplicates,
      dropped: droppedAtCheckpoint,
      detectedMs,
      healthz: health.status,
      errorLogLines: errorLines.length,
      resumed,
      resumedMs,
      acceptingAgain,
      rssWhileFullMb: rssWhileFull,
      droppedAfterResume: statusAfter.buffer.dropped - droppedAtCheckpoint,
      afterKill9: { lastSeq: beforeKill.buffer.lastSeq, reopenedLastSeq: reopened.buffer.lastSeq, recoveredFrom: reopened.buffer.recoveredFrom, lost: Math.max(0, keptSecond - deliveredSecond) },
    });
    expect(health.status).toBe(503);
    expect(health.body).toMatch(/refusing writes/);
    expect(errorLines.length).toBeGreaterThanOrEqual(1);
    expect(errorLines[0]?.level).toBe(50);
    expect(record.resumed).toBe(true);
    expect(acceptingAgain).toBe(true);
    expect(delivered).toBeGreaterThanOrEqual(kept);
    expect(reopened.buffer.recoveredFrom).toBeNull();
    expect(reopened.buffer.lastSeq).toBeGreaterThanOrEqual(beforeKill.buffer.lastSeq);
    expect(deliveredSecond).toBeGreaterThanOrEqual(keptSecond);
  }, 240_000);

  // BUG (src/buffer, reported, not fixed here): LevelDB's log writer advances its block offset even
  // when a write fails (ENOSPC), so every record appended to the same log after the failure is
  // misaligned; on the next open LevelDB drops them all ("checksum mismatch"), the meta record with
  // them. A crash any time after a disk-full episode loses every reading accepted since, and
  // lastSeq goes BACKWARDS (seqs are then reused). Fix idea: after a failed write, close and reopen
  // the store (a fresh log file) before writing again.
  it('keeps readings accepted after a disk-full episode across a crash (store copied as kill -9 leaves it)', async () => {
    const dir = await agentFolder('sensor-agent-faults-disk-bug-');
    const mountPoint = join(dir, 'small');
    await mkdir(mountPoint);
    const attempt = mountSmall(mountPoint, dir);
    if ('skipped' in attempt) return;
    mounted = attempt;
    const path = join(mountPoint, 'buffer');
    const buffer = new ReadingBuffer({ path, maxBytes: 256_000_000, overflow: 'drop-oldest', commitIntervalMs: 1000 }, silentLog);
    await buffer.start();
    try {
      const fs = await statfs(mountPoint);
      await writeFile(join(mountPoint, 'filler'), Buffer.alloc(fs.bavail * fs.bsize - 200 * 1024));
      const appendTick = (i: number) => Promise.all(Array.from({ length: 20 }, (_, k) => buffer.append({ sensor: 'x', ts: 1_700_000_000_000 + i, values: { value: k } })));
      for (let i = 0; i < 1_000 && !buffer.stats().writeFailing; i++) await appendTick(i);
      expect(buffer.stats().writeFailing).toBe(true);
      await rm(join(mountPoint, 'filler'));
      // The guard looks at the file system every second: readings are refused until it sees the room.
      for (let i = 0; i < 100 && buffer.stats().writeFailing; i++) {
        await appendTick(i);
        await sleep(50);
      }
      for (let i = 0; i < 50; i++) await appendTick(i);
      const before = buffer.stats();
      expect(before.writeFailing).toBe(false);
      // What a kill -9 (or power cut after a sync) leaves: the files as written so far.
      const copy = join(dir, 'crash-copy');
      await cp(path, copy, { recursive: true });
      const reopened = new ReadingBuffer({ path: copy, maxBytes: 256_000_000, overflow: 'drop-oldest', commitIntervalMs: 1000 }, silentLog);
      await reopened.start();
      const after = reopened.stats();
      await reopened.stop();
      expect({ lastSeq: after.lastSeq, backlog: after.backlog, dropped: after.dropped }).toEqual({ lastSeq: before.lastSeq, backlog: before.backlog, dropped: before.dropped });
    } finally {
      await buffer.stop();
    }
  }, 60_000);
});
