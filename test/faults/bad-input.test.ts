// Scenario 8, bad input: a corpus of malformed configs through the built CLI (exit 78, one clear
// line per problem, never a stack trace); garbage, huge and countless frames on the status
// WebSocket (the agent keeps serving, memory bounded); a seeded fuzz run of the config and
// register-map parsers (nothing escapes but a ConfigError or a plain Error with a message).
import { cp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLOW_START, rssMb, sleep } from './helpers-agent.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, runCli, startChildAgent, writeConfig } from '../helpers/child-agent.js';
import { freePort } from '../helpers/broker.js';
import { e2eConfig } from '../e2e/agent-config.js';
import { parseConfig, loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { parseRegisterMap } from '../../src/hardware/i2c/register-map.js';
import { badConfigCases } from '../helpers/fixture-cases.js';
import { recordResult } from '../helpers/results.js';

/** The bad-config corpus: one folder a case under test/fixtures/configs/bad/, its expected message beside it. */
const BAD_CONFIGS = badConfigCases();
const SCENARIO = '8 bad input';
const PROMISE = 'Bad input never crashes the agent: every malformed config exits 78 with a clear message naming the key (no stack trace), garbage on the WebSocket is refused while the agent keeps serving with bounded memory, and the config and register-map parsers only ever throw their own clean errors.';
const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;
const FUZZ_SEED = 0x5eed;
const FUZZ_CASES = 3_000;

/** mulberry32: a small seeded PRNG, so a fuzz failure can be replayed from its seed and index. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const results: Record<string, unknown> = {};

describe('fault scenario 8: bad input', () => {
  beforeAll(async () => {
    await ensureBuilt();
  });

  afterAll(async () => {
    await cleanupChildAgents();
    recordResult({ scenario: SCENARIO, promise: PROMISE, ...results });
  });

  it(`rejects each of ${BAD_CONFIGS.length} malformed configs with exit 78 and a clear message, never a stack trace`, async () => {
    const failures: string[] = [];
    const pending = [...BAD_CONFIGS];
    let worst = 0;
    const worker = async (): Promise<void> => {
      for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
        const dir = await agentFolder('sensor-agent-faults-config-');
        await cp(next.path, dir, { recursive: true });
        const file = join(dir, next.configFile);
        const started = Date.now();
        const result = await runCli(['check-config', '--config', file], { timeoutMs: 20_000 });
        worst = Math.max(worst, Date.now() - started);
        const why: string[] = [];
        if (result.code !== 78) why.push(`exit ${result.code}`);
        if (STACK_LINE.test(result.stderr) || /\b(TypeError|RangeError|ReferenceError)\b/.test(result.stderr)) why.push('stack trace or internal error');
        if (!result.stderr.includes(next.expect)) why.push(`message lacks "${next.expect}"`);
        if (result.stderr.split('\n').some((line) => line.length > 400)) why.push('a message line over 400 characters');
        if (why.length > 0) failures.push(`${next.name}: ${why.join(', ')}\n${result.stderr.slice(0, 600)}`);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    results.badConfigs = BAD_CONFIGS.length;
    results.badConfigsRejectedCleanly = BAD_CONFIGS.length - failures.length;
    results.badConfigFailures = failures.map((failure) => failure.split('\n')[0]);
    results.slowestCheckConfigMs = worst;
    expect(failures).toEqual([]);
  }, 180_000);

  it('keeps serving while the WebSocket gets random bytes, invalid JSON, binary, 10 MB frames and thousands of messages', async () => {
    const dir = await agentFolder('sensor-agent-faults-ws-');
    const agent = await startChildAgent(await writeConfig(dir, e2eConfig({ brokerUrl: `mqtt://127.0.0.1:${await freePort()}`, dir })), SLOW_START);
    const wsUrl = agent.statusUrl.replace('http://', 'ws://').replace('/status.json', '/ws');
    const port = Number(new URL(agent.statusUrl).port);
    const rssBefore = await rssMb(agent.child.pid);
    const closeCodes: Record<string, number> = {};
    const open = (): Promise<WebSocket> =>
      new Promise((resolve, reject) => {
        const socket = new WebSocket(wsUrl, { maxPayload: 64 * 1024 * 1024 });
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
    const closed = (socket: WebSocket): Promise<number> => new Promise((resolve) => socket.once('close', (code) => resolve(code)));
    const random = prng(FUZZ_SEED);
    const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));

    // Invalid JSON, wrong shapes, binary: answered with an error, connection kept.
    const talker = await open();
    let errorsBack = 0;
    talker.on('message', (data) => {
      if (String(data).includes('"type":"error"')) errorsBack += 1;
    });
    const junk = ['{', 'null', '[]', '"subscribe"', '{"subscribe":"everything"}', '{"subscribe":"readings","x":1}', '\u0000\u0001', 'é'.repeat(1000)];
    for (const text of junk) talker.send(text);
    talker.send(bytes(100), { binary: true });
    // Thousands of messages, fast.
    for (let i = 0; i < 5_000; i++) talker.send(i % 2 === 0 ? '{"subscribe":"readings"}' : 'not json');
    await new Promise<void>((resolve) => talker.send('{"unsubscribe":"readings"}', () => resolve()));
    await sleep(1_000);
    closeCodes.talkerStillOpen = talker.readyState === WebSocket.OPEN ? 1 : 0;
    talker.close();

    // A 10 MB frame: refused (1009) without buffering it.
    const big = await open();
    const bigClosed = closed(big);
    big.send(Buffer.alloc(10 * 1024 * 1024, 0x61).toString());
    closeCodes.tenMbText = await bigClosed;
    const bigBinary = await open();
    const bigBinaryClosed = closed(bigBinary);
    bigBinary.send(bytes(10 * 1024 * 1024), { binary: true });
    closeCodes.tenMbBinary = await bigBinaryClosed;

    // Raw garbage after a valid upgrade, and garbage instead of an upgrade.
    const raw = async (payload: Buffer, upgrade: boolean): Promise<void> =>
      new Promise((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          if (upgrade) socket.write(`GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
          socket.write(payload);
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
        setTimeout(() => socket.destroy(), 2_000).unref();
      });
    await Promise.all(Array.from({ length: 20 }, (_, i) => raw(bytes(4096 + i * 512), i % 2 === 0)));

    const status = await agent.status();
    const rssAfter = await rssMb(agent.child.pid);
    const stopExit = await agent.stop();
    results.ws = { errorsAnswered: errorsBack, closeCodes, rawGarbageConnections: 20, rssBeforeMb: rssBefore, rssAfterMb: rssAfter, stillServing: status.device === 'e2e', stopExit };
    expect(errorsBack).toBeGreaterThanOrEqual(junk.length);
    expect(closeCodes.tenMbText).toBe(1009);
    expect(closeCodes.tenMbBinary).toBe(1009);
    expect(stopExit).toBe(0);
    expect(rssAfter! - rssBefore!).toBeLessThan(100);
  }, 60_000);

  it(`fuzzes the config and register-map parsers (${FUZZ_CASES} seeded cases each): only clean errors`, async () => {
    const random = prng(FUZZ_SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const atoms: unknown[] = [null, true, false, 0, -1, 1.5, 2 ** 53, Number.NaN, '', 'x', '0x76', '5s', '-5s', '1e309', '__proto__', 'constructor', [], {}, [1, 2], { a: 1 }, 'ü'.repeat(50)];
    const keys = ['device', 'mqtt', 'store', 'status', 'log', 'sensors', 'simulate', 'hardware', 'id', 'url', 'qos', 'interval', 'driver', 'address', 'bus', 'pin', 'tls', 'ca', '__proto__', 'constructor', 'devices', 'registers', 'commands', 'registerWidth', '0x76', '0xd0', '0x2400', '1', '17'];
    const mutate = (value: unknown, depth: number): unknown => {
      const roll = random();
      if (depth > 5 || roll < 0.15) return pick(atoms);
      if (Array.isArray(value)) {
        const copy = value.map((item) => (random() < 0.3 ? mutate(item, depth + 1) : item));
        if (random() < 0.2) copy.push(mutate(pick(atoms), depth + 1));
        if (random() < 0.1) copy.splice(0, 1);
        return copy;
      }
      if (value !== null && typeof value === 'object') {
        const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
        for (const key of Object.keys(copy)) {
          if (random() < 0.1) delete copy[key];
          else if (random() < 0.3) copy[key] = mutate(copy[key], depth + 1);
        }
        if (random() < 0.2) copy[pick(keys)] = mutate(pick(atoms), depth + 1);
        return copy;
      }
      return roll < 0.5 ? pick(atoms) : value;
    };
    const validConfig = {
      device: { id: 'fuzz' },
      mqtt: { url: 'mqtt://127.0.0.1:1883', qos: 1, keepalive: '30s', reconnect: { min: '1s', max: '60s' } },
      store: { path: '/tmp/fuzz-store', maxBytes: '1MB', commitInterval: '5s' },
      status: { listen: '127.0.0.1:0' },
      log: { level: 'info' },
      sensors: [
        { id: 'a', driver: 'simulated', interval: '1s', signal: 'sine' },
        { id: 'b', driver: 'bme280', bus: 1, address: '0x76', oversampling: { temperature: 1, pressure: 1, humidity: 1 } },
        { id: 'c', driver: 'gpio-input', pin: 17, edge: 'both', debounce: '20ms' },
        { id: 'd', driver: 'ads1115', channels: [0, '0-1'], gain: 4.096 },
      ],
    };
    const validMap = parse('devices:\n  "0x76":\n    registers:\n      "0xd0": [0x60]\n      "0x88": [1, 2, 3]\n  "0x44":\n    commands:\n      "0x2400": [1, 2, 3]\n  "0x40":\n    registerWidth: 2\n    registers:\n      "0x00": [0x39, 0x9f]\n') as unknown;
    const context = { env: {}, baseDir: '/nonexistent', hostname: 'fuzz-host' };

    const escapes: string[] = [];
    let configAccepted = 0;
    let mapAccepted = 0;
    for (let i = 0; i < FUZZ_CASES; i++) {
      const config = mutate(validConfig, 0);
      try {
        parseConfig(config, context);
        configAccepted++;
      } catch (error) {
        if (!(error instanceof ConfigError) || error.problems.length === 0) escapes.push(`config #${i}: ${String(error)}`);
      }
      const map = mutate(validMap, 0);
      try {
        parseRegisterMap(map, 'fuzz.yaml');
        mapAccepted++;
      } catch (error) {
        if (!(error instanceof Error) || error.constructor !== Error || !error.message.startsWith('fuzz.yaml')) escapes.push(`map #${i}: ${String(error)}`);
      }
    }
    // Text-level: mangled YAML through loadConfig (the file path the daemon takes).
    const dir = await agentFolder('sensor-agent-faults-fuzz-');
    const baseText = JSON.stringify(validConfig, null, 2);
    const textCases = 300;
    for (let i = 0; i < textCases; i++) {
      const chars = [...baseText];
      for (let edits = 1 + Math.floor(random() * 4); edits > 0; edits--) {
        const at = Math.floor(random() * chars.length);
        chars.splice(at, Math.floor(random() * 3), pick(['{', '}', '[', ']', ':', ',', '"', '\t', '\n', '&a', '*a', '!!binary', '%', '- ', '#', String.fromCharCode(Math.floor(random() * 65536))]));
      }
      const file = join(dir, 'fuzz.yaml');
      await writeFile(file, chars.join(''));
      try {
        await loadConfig(file, {}, { hostname: 'fuzz-host' });
      } catch (error) {
        if (!(error instanceof ConfigError)) escapes.push(`text #${i}: ${String(error)}`);
      }
    }
    results.fuzz = { seed: FUZZ_SEED, configCases: FUZZ_CASES, configAccepted, mapCases: FUZZ_CASES, mapAccepted, textCases, escapes: escapes.length, firstEscapes: escapes.slice(0, 3) };
    expect(escapes).toEqual([]);
  }, 120_000);
});
