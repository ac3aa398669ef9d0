// Scenario 6, corrupt store: a store the daemon itself filled offline (a .ldb table from its first
// run, a .log from its second, a MANIFEST) is damaged one way per case: truncated or garbage-filled
// log, manifest, table, CURRENT. Each time the daemon must start, either recover what LevelDB can
// read or move the store aside (`<path>.corrupt-<time>`, an error-level log line and
// buffer.recoveredFrom), and run: sample and publish. What LevelDB tolerates silently is reported
// as such, with the readings that did not survive.
import { randomBytes } from 'node:crypto';
import { cp, open, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startAedes, type AedesBroker } from '../helpers/broker.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { SLOW_START, sleep } from './helpers-agent.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, startChildAgent, writeConfig, type ChildAgent } from '../helpers/child-agent.js';
import { e2eConfig } from '../e2e/agent-config.js';
import { ReadingBuffer } from '../../src/buffer/reading-buffer.js';
import { silentLog } from '../buffer/buffer-fixture.js';
import { recordResult } from '../helpers/results.js';

const SCENARIO = '6 corrupt store';
const PROMISE = 'A damaged store never stops the agent: it starts, keeps what LevelDB can still read or moves the store aside with a timestamp (error log line, buffer.recoveredFrom on the status page), and runs.';
const FAST_SENSOR = { id: 'load', driver: 'simulated', interval: '50ms', signal: 'counter', burst: 50, decimals: 0 };

type Damage = (store: string) => Promise<void>;

async function fileEnding(store: string, suffix: string): Promise<string> {
  const name = (await readdir(store)).filter((entry) => entry.endsWith(suffix)).sort().at(-1);
  if (name === undefined) throw new Error(`no *${suffix} in ${store}: ${(await readdir(store)).join(', ')}`);
  return join(store, name);
}

async function truncateHalf(file: string): Promise<void> {
  await truncate(file, Math.floor((await stat(file)).size / 2));
}

/** Overwrites `length` bytes from the middle (or from `at`) with random garbage. */
async function garbage(file: string, length = 512, at?: number): Promise<void> {
  const size = (await stat(file)).size;
  const handle = await open(file, 'r+');
  try {
    const position = at ?? Math.max(0, Math.floor(size / 2) - length / 2);
    await handle.write(randomBytes(Math.min(length, size)), 0, Math.min(length, size), position);
  } finally {
    await handle.close();
  }
}

const CASES: Record<string, Damage> = {
  'log truncated mid-record': async (store) => truncateHalf(await fileEnding(store, '.log')),
  'log garbage in the middle': async (store) => garbage(await fileEnding(store, '.log')),
  'manifest truncated': async (store) => truncateHalf(await manifest(store)),
  'manifest garbage': async (store) => garbage(await manifest(store), 64),
  'manifest deleted': async (store) => rm(await manifest(store)),
  'CURRENT garbage': async (store) => writeFile(join(store, 'CURRENT'), randomBytes(16)),
  'table truncated': async (store) => truncateHalf(await fileEnding(store, '.ldb')),
  'table garbage in a data block': async (store) => garbage(await fileEnding(store, '.ldb'), 1024, 100),
  'table zero-filled': async (store) => writeFile(await fileEnding(store, '.ldb'), Buffer.alloc((await stat(await fileEnding(store, '.ldb'))).size)),
  'table deleted': async (store) => rm(await fileEnding(store, '.ldb')),
};

async function manifest(store: string): Promise<string> {
  const name = (await readdir(store)).filter((entry) => entry.startsWith('MANIFEST-')).sort().at(-1);
  if (name === undefined) throw new Error(`no MANIFEST in ${store}`);
  return join(store, name);
}

interface CaseFigures {
  started: boolean;
  exitCode?: number | null;
  recoveredFrom: boolean;
  errorLine: boolean;
  movedAsideExists: boolean;
  /** lastSeq the damaged store opened with (0 when moved aside). */
  openedLastSeq: number | null;
  /** Readings of the template run(s) that reached the broker after the damage. */
  keptOfTemplate: number;
  lostOfTemplate: number;
  published: number;
  backlogAtEnd?: number;
  publishedPerSecondAtEnd?: number;
  droppedAtEnd?: number;
  problemLogs?: string[];
  runningAfter: boolean;
  stopExit: number | null;
  /** Error and fatal log lines (and stderr) from the stop, when it did not exit 0. */
  stopProblems?: string[];
}

describe('fault scenario 6: corrupt store', () => {
  let broker: AedesBroker;
  let subscriber: Subscriber;
  let template: string;
  let templateLastSeq = 0;
  let templateFiles: string[] = [];
  const figures: Record<string, CaseFigures> = {};

  beforeAll(async () => {
    await ensureBuilt();
    broker = await startAedes();
    subscriber = await startSubscriber(broker.url, 'sensors/#');
    // The template store: the daemon buffers offline twice, so run 1's log becomes a table on open.
    const dir = await agentFolder('sensor-agent-faults-corrupt-');
    template = join(dir, 'buffer');
    const offline = `mqtt://127.0.0.1:${await freePort()}`;
    const configFile = await writeConfig(dir, { ...e2eConfig({ brokerUrl: offline, dir, sensors: [FAST_SENSOR] }), device: { id: 'template' } });
    for (const runMs of [1_500, 1_000]) {
      const agent = await startChildAgent(configFile, SLOW_START);
      await sleep(runMs);
      templateLastSeq = (await agent.status()).buffer.lastSeq;
      expect(await agent.stop()).toBe(0);
    }
    templateFiles = await readdir(template);
  });

  afterAll(async () => {
    recordResult({
      scenario: SCENARIO,
      promise: PROMISE,
      templateReadings: templateLastSeq,
      templateFiles: templateFiles.join(' '),
      cases: Object.keys(figures).length,
      started: Object.values(figures).filter((f) => f.started && f.runningAfter).length,
      movedAside: Object.entries(figures).filter(([, f]) => f.recoveredFrom).map(([name]) => name),
      toleratedByLevelDb: Object.entries(figures)
        .filter(([, f]) => !f.recoveredFrom && f.started)
        .map(([name, f]) => `${name}: kept ${f.keptOfTemplate}, lost ${f.lostOfTemplate}`),
      perCase: figures,
    });
    await cleanupChildAgents();
    await subscriber.stop();
    await broker.stop();
  });

  for (const [name, damage] of Object.entries(CASES)) {
    it(`starts and runs on a store with: ${name}`, async () => {
      const device = `corrupt-${Object.keys(figures).length}`;
      const dir = await agentFolder('sensor-agent-faults-corrupt-case-');
      const store = join(dir, 'buffer');
      await cp(template, store, { recursive: true });
      await damage(store);
      const configFile = await writeConfig(dir, { ...e2eConfig({ brokerUrl: broker.url, dir, sensors: [FAST_SENSOR] }), device: { id: device } });
      const fig: CaseFigures = { started: false, recoveredFrom: false, errorLine: false, movedAsideExists: false, openedLastSeq: null, keptOfTemplate: 0, lostOfTemplate: templateLastSeq, published: 0, runningAfter: false, stopExit: null };
      figures[name] = fig;
      let agent: ChildAgent;
      try {
        agent = await startChildAgent(configFile, SLOW_START);
      } catch (error) {
        fig.exitCode = null;
        throw error;
      }
      fig.started = true;
      const opened = agent.logged('buffer open')[0];
      fig.openedLastSeq = typeof opened?.lastSeq === 'number' ? opened.lastSeq : null;
      const errorLine = agent.lines.find((line) => line.level === 50 && /corrupt|damaged/.test(String(line.msg)));
      fig.errorLine = errorLine !== undefined;
      const first = await agent.status();
      fig.recoveredFrom = first.buffer.recoveredFrom !== null;
      if (first.buffer.recoveredFrom !== null) fig.movedAsideExists = await stat(first.buffer.recoveredFrom).then(() => true, () => false);
      // Whatever survived drains to the broker; new readings are sampled and published.
      // Seqs above what the store opened with are new readings (a truncated log hands its seqs out again).
      const survived = Math.min(fig.openedLastSeq ?? 0, templateLastSeq);
      const fromTemplate = (): number => new Set(subscriber.readings.filter((r) => r.topic.startsWith(`sensors/${device}/`) && r.seq <= survived).map((r) => r.seq)).size;
      await agent.waitForStatus((status) => status.mqtt.published > 200 && status.buffer.lastSeq > (fig.openedLastSeq ?? 0) + 100, 60_000, 'publishing');
      // Until every surviving reading arrived or was counted as dropped (a damaged value is dropped when read).
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
        if (fromTemplate() + (await agent.status()).buffer.dropped >= survived) break;
      }
      fig.keptOfTemplate = fromTemplate();
      fig.lostOfTemplate = templateLastSeq - fig.keptOfTemplate;
      const mid = await agent.status();
      await sleep(1_000);
      const end = await agent.status();
      fig.publishedPerSecondAtEnd = end.mqtt.published - mid.mqtt.published;
      fig.published = end.mqtt.published;
      fig.backlogAtEnd = end.buffer.backlog;
      fig.droppedAtEnd = end.buffer.dropped;
      fig.problemLogs = agent.lines.filter((line) => (line.level ?? 0) >= 40).map((line) => String(line.msg)).slice(0, 3);
      fig.runningAfter = agent.child.exitCode === null;
      const linesBeforeStop = agent.lines.length;
      fig.stopExit = await agent.stop();
      if (fig.stopExit !== 0) {
        fig.stopProblems = agent.lines.slice(linesBeforeStop).filter((line) => (line.level ?? 0) >= 50).map((line) => JSON.stringify(line));
        if (agent.stderr() !== '') fig.stopProblems.push(agent.stderr());
      }

      expect(fig.runningAfter).toBe(true);
      expect(fig.stopExit).toBe(0);
      if (fig.recoveredFrom) {
        expect(fig.errorLine).toBe(true);
        expect(fig.movedAsideExists).toBe(true);
      }
      // Whatever the store still held arrived; what it lost is counted as dropped, not forgotten.
      expect(fig.keptOfTemplate + (fig.droppedAtEnd ?? 0)).toBe(survived);
    }, 120_000);
  }

  // LevelDB opens a store whose table is truncated or garbled and its iterators then skip the
  // table (failing only once exhausted). The buffer audits the store at open, moves it aside with
  // what it can still read copied into a fresh store, and counts the rest as dropped.
  it('counts readings lost to a damaged table as dropped, and its backlog drains', async () => {
    const dir = await agentFolder('sensor-agent-faults-corrupt-bug-');
    const path = join(dir, 'buffer');
    const options = { path, maxBytes: 256_000_000, overflow: 'drop-oldest' as const, commitIntervalMs: 1000 };
    for (const count of [3_000, 500]) {
      const buffer = new ReadingBuffer(options, silentLog);
      await buffer.start();
      for (let i = 0; i < count / 50; i++) await Promise.all(Array.from({ length: 50 }, (_, k) => buffer.append({ sensor: 'x', ts: 1_700_000_000_000 + i, values: { value: k } })));
      await buffer.stop(); // the next open turns this run's log into a table
    }
    await truncateHalf(await fileEnding(path, '.ldb'));
    const buffer = new ReadingBuffer(options, silentLog);
    await buffer.start();
    try {
      let read = 0;
      for (let after = 0, batch; (batch = await buffer.readFrom(after, 500)).length > 0; after = batch.at(-1)!.seq) {
        read += batch.length;
        await buffer.ack(batch.map((reading) => reading.seq));
      }
      const stats = buffer.stats();
      expect({ backlog: stats.backlog, accountedFor: read + stats.dropped }).toEqual({ backlog: 0, accountedFor: 3_500 });
    } finally {
      await buffer.stop();
    }
  });
});
