// Remote configuration (issue 22) with the whole agent in-process against a real Aedes broker and
// a real LevelDB: a config sent on <prefix>/config/set is applied (a new sensor publishes, the
// buffer is the same and its seqs keep increasing), refused (invalid: every error line; locked
// keys; garbage), rolled back when it is not healthy in time or cannot start, and kept across a
// restart; a pending override found at start is rolled back.
import { createServer, type Server } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import type { ConfigContext } from '../../src/config/schema.js';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { startConfigOperator, type ConfigOperator } from '../helpers/config-operator.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/poll.js';
import { signConfig } from '../../src/remote/signature.js';

const silent = pino({ level: 'silent' });
const fixture = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const PREFIX = 'sensors/remote-1';
const COUNTER = { id: 'greenhouse', driver: 'simulated', interval: '50ms', signal: 'counter', decimals: 0 };
const ADDED = { id: 'attic', driver: 'simulated', interval: '50ms', signal: 'counter', decimals: 0, min: 1000 };

describe('remote configuration, in-process', () => {
  let broker: AedesBroker;
  let subscriber: Subscriber;
  let operator: ConfigOperator;
  let dir: { path: string; cleanup(): Promise<void> };
  let agent: RunningAgent | null = null;
  let blocker: Server | null = null;
  /** Subscriptions to config/set the broker has seen (each start of the agent's parts makes one). */
  let configSubscriptions = 0;

  const context = (): ConfigContext => ({ env: {}, baseDir: dir.path, hostname: 'test-host' });
  /** The local file's settings; `remote` merged into remote.config: true. */
  const local = (overrides: Record<string, unknown> = {}, remote: Record<string, unknown> = {}): Record<string, unknown> => ({
    device: { id: 'remote-1' },
    mqtt: { url: broker.url, reconnect: { min: '100ms', max: '300ms' } },
    store: { path: 'buffer' },
    status: { listen: '127.0.0.1:0' },
    remote: { config: true, healthTimeout: '10s', ...remote },
    sensors: [COUNTER],
    ...overrides,
  });
  /** A whole config as an operator sends it: no broker URL, no remote or store section. */
  const proposed = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    device: { id: 'remote-1' },
    mqtt: { reconnect: { min: '100ms', max: '300ms' } },
    status: { listen: '127.0.0.1:0' },
    sensors: [COUNTER, ADDED],
    ...overrides,
  });
  const start = async (raw: Record<string, unknown>): Promise<RunningAgent> => {
    const subscriptions = configSubscriptions;
    agent = await startAgent(parseConfig(raw, context()), silent, { configSource: { raw, context: context() } });
    await until(() => agent!.hub.snapshot().mqtt.connected, 10_000, 'the agent connected');
    // Subscribed to config/set once connected; a publish right after the connect could beat it.
    await until(() => configSubscriptions > subscriptions, 10_000, 'the config/set subscription');
    await until(() => agent!.hub.snapshot().sensors.every((sensor) => sensor.state === 'ok'), 10_000, 'the sensors reading');
    return agent;
  };
  const readingsOf = (sensor: string) => subscriber.readings.filter((reading) => reading.topic === `${PREFIX}/${sensor}`);
  const record = async () => JSON.parse(await readFile(join(dir.path, 'remote-config.json'), 'utf8')) as { good: { id: string } | null; pending: { id: string } | null; lastVersion: number };

  beforeEach(async () => {
    broker = await startAedes();
    configSubscriptions = 0;
    broker.aedes.on('subscribe', (subscriptions) => {
      if (subscriptions.some((subscription) => subscription.topic === `${PREFIX}/config/set`)) configSubscriptions += 1;
    });
    subscriber = await startSubscriber(broker.url, `${PREFIX}/+`);
    operator = await startConfigOperator(broker.url, PREFIX);
    dir = await makeTempDir('remote-config-');
  });

  afterEach(async () => {
    await agent?.stop();
    agent = null;
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    blocker = null;
    await operator.stop();
    await subscriber.stop();
    await broker.stop();
    await dir.cleanup();
  });

  it('applies a config with a new sensor: it publishes, the buffer is the same store and its seqs keep increasing', async () => {
    const running = await start(local());
    const buffer = running.buffer;
    await until(() => readingsOf('greenhouse').length >= 5, 10_000, 'greenhouse readings');
    const before = buffer.stats();

    await operator.send({ id: 'add-attic', config: proposed() });
    const result = await operator.resultFor('add-attic');
    expect(result).toMatchObject({ id: 'add-attic', accepted: true, errors: [], appliedAt: expect.any(String), health: { healthy: true, mqtt: { connected: true }, buffer: { open: true } } });
    expect(result.health?.sensors.ok.sort()).toEqual(['attic', 'greenhouse']);

    await until(() => readingsOf('attic').length >= 3, 10_000, 'attic readings');
    expect(running.buffer).toBe(buffer);
    const after = buffer.stats();
    expect(after.epoch).toBe(before.epoch);
    expect(after.lastSeq).toBeGreaterThan(before.lastSeq);
    // One seq sequence over both configs: each seq once, the new sensor's above what was there before.
    const seqs = subscriber.readings.map((reading) => reading.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(Math.min(...readingsOf('attic').map((reading) => reading.seq))).toBeGreaterThan(before.lastSeq);
    expect(readingsOf('attic')[0]?.v.value).toBe(1000);
    expect(running.config.sensors.map((sensor) => sensor.id)).toEqual(['greenhouse', 'attic']);
    // The broker URL came from the local file (locked, left out of the message).
    expect(running.config.mqtt.url).toBe(broker.url);
    expect(await record()).toMatchObject({ good: { id: 'add-attic' }, pending: null });
  });

  it('keeps a good override across a restart, and refuses nothing that was not sent', async () => {
    await start(local());
    await operator.send({ id: 'add-attic', config: proposed() });
    expect((await operator.resultFor('add-attic')).accepted).toBe(true);
    const lastSeq = agent!.buffer.stats().lastSeq;
    await agent!.stop();
    agent = null;

    const restarted = await start(local());
    expect(restarted.config.sensors.map((sensor) => sensor.id)).toEqual(['greenhouse', 'attic']);
    await until(() => restarted.buffer.stats().lastSeq > lastSeq + 2, 10_000, 'new readings');
    expect(operator.results).toHaveLength(1);
  });

  it("lays the local file's locked keys, edited since, over a good override at start", async () => {
    await start(local());
    // Sent with the broker URL as the local file had it then.
    await operator.send({ id: 'with-url', config: proposed({ mqtt: { url: broker.url, reconnect: { min: '100ms', max: '300ms' } } }) });
    expect((await operator.resultFor('with-url')).accepted).toBe(true);
    await agent!.stop();
    agent = null;
    // The local file moves to another broker (here: the same one by another name).
    const moved = broker.url.replace('127.0.0.1', 'localhost');
    const restarted = await start(local({ mqtt: { url: moved, reconnect: { min: '100ms', max: '300ms' } } }));
    expect(restarted.config.sensors.map((sensor) => sensor.id)).toEqual(['greenhouse', 'attic']);
    expect(restarted.config.mqtt.url).toBe(moved);
  });

  it('refuses an invalid config with every error line check-config gives, and changes nothing', async () => {
    const running = await start(local());
    const bad = proposed({ sensors: [{ ...COUNTER, interval: 'often' }, { id: 'x', driver: 'no-such-driver' }], colour: 'blue' });
    let expected: string[] = [];
    try {
      parseConfig({ ...bad, mqtt: { url: broker.url, reconnect: { min: '100ms', max: '300ms' } }, store: { path: 'buffer' }, remote: { config: true, healthTimeout: '10s' } }, context());
    } catch (error) {
      expected = (error as ConfigError).problems;
    }
    expect(expected.length).toBeGreaterThanOrEqual(3);

    await operator.send({ id: 'bad', config: bad });
    const result = await operator.resultFor('bad');
    expect(result).toMatchObject({ id: 'bad', accepted: false, appliedAt: null });
    expect(result.errors).toEqual(expected);
    expect(running.config.sensors.map((sensor) => sensor.id)).toEqual(['greenhouse']);
    await expect(readFile(join(dir.path, 'remote-config.json'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses a locked key (the broker URL by default), the remote section and the store, each named', async () => {
    const running = await start(local());
    await operator.send({ id: 'move-broker', config: proposed({ mqtt: { url: 'mqtt://127.0.0.1:1' } }) });
    expect((await operator.resultFor('move-broker')).errors).toEqual(['mqtt.url: is locked by remote.locked in the local config (leave it out, or set it as the local file has it)']);

    await operator.send({ id: 'unlock', config: proposed({ remote: { config: true, locked: [] }, store: { path: '/tmp/elsewhere' } }) });
    const result = await operator.resultFor('unlock');
    expect(result.accepted).toBe(false);
    expect(result.errors).toEqual([
      'remote: can never be changed remotely (leave it out, or set it as the local file has it)',
      'store: can never be changed remotely (leave it out, or set it as the local file has it)',
    ]);
    // As the local file has it: accepted.
    await operator.send({ id: 'same-url', config: proposed({ mqtt: { url: broker.url, reconnect: { min: '100ms', max: '300ms' } } }) });
    expect((await operator.resultFor('same-url')).accepted).toBe(true);
    expect(running.config.mqtt.url).toBe(broker.url);
  });

  it('rolls back a config whose broker cannot be reached (mqtt.url not locked) within remote.healthTimeout', async () => {
    const running = await start(local({}, { locked: [], healthTimeout: '1500ms' }));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    await operator.send({ id: 'dead-broker', config: proposed({ mqtt: { url: `mqtt://127.0.0.1:${port}`, reconnect: { min: '100ms', max: '300ms' } } }) });
    const result = await operator.resultFor('dead-broker');
    expect(result).toMatchObject({ accepted: false, rolledBack: true, appliedAt: expect.any(String), health: { healthy: false, mqtt: { connected: false } } });
    expect(result.errors).toEqual(['not healthy within 1500 ms: the broker is not reachable', 'rolled back to the local config file']);
    expect(running.config.mqtt.url).toBe(broker.url);
    expect(running.config.sensors.map((sensor) => sensor.id)).toEqual(['greenhouse']);
    // Readings taken while the link pointed nowhere were kept and arrive after the rollback.
    const lastSeq = running.buffer.stats().lastSeq;
    await until(() => subscriber.seqs().has(lastSeq), 10_000, `seq ${lastSeq} published`);
    expect(await record()).toMatchObject({ good: null, pending: null });
  });

  it('rolls back a config with a sensor that fails', async () => {
    // Long enough for the absent chip's first read to fail even on a slow machine.
    const running = await start(local({}, { healthTimeout: '4s' }));
    await operator.send({
      id: 'absent-chip',
      config: proposed({
        simulate: { i2c: { 1: fixture('../fixtures/regmaps/bme280.yaml') } },
        sensors: [COUNTER, { id: 'missing', driver: 'bme280', bus: 1, address: '0x77', interval: '100ms' }],
      }),
    });
    const result = await operator.resultFor('absent-chip');
    expect(result).toMatchObject({ accepted: false, rolledBack: true });
    expect(result.errors[0]).toMatch(/^not healthy within 4000 ms: (.*; )?sensor missing failed: .*no device at 0x77 on bus 1/);
    expect(result.health?.sensors.failed.map((sensor) => sensor.id)).toEqual(['missing']);
    expect(running.config.sensors.map((sensor) => sensor.id)).toEqual(['greenhouse']);
  });

  it('rolls back a config the agent cannot start with (its status port is taken)', async () => {
    const running = await start(local());
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    await operator.send({ id: 'port-taken', config: proposed({ status: { listen: `127.0.0.1:${taken}` } }) });
    const result = await operator.resultFor('port-taken');
    expect(result).toMatchObject({ accepted: false, rolledBack: true, health: null });
    expect(result.errors[0]).toMatch(/^the agent could not start with it: /);
    expect(running.statusAddress?.port).not.toBe(taken);
    await until(() => running.hub.snapshot().mqtt.connected && running.hub.snapshot().sensors.every((sensor) => sensor.state === 'ok'), 10_000, 'the previous config running');
  });

  it('rolls back at start an override that was applied but never marked good, and says so on config/result', async () => {
    const raw = local();
    await writeFile(
      join(dir.path, 'remote-config.json'),
      JSON.stringify({ good: null, pending: { id: 'crashed', version: 4, appliedAt: '2026-12-01T10:00:00.000Z', config: proposed() }, lastVersion: 4 }),
    );
    const running = await start(raw);
    expect(running.config.sensors.map((sensor) => sensor.id)).toEqual(['greenhouse']);
    const result = await operator.resultFor('crashed');
    expect(result).toMatchObject({ accepted: false, rolledBack: true, version: 4, appliedAt: '2026-12-01T10:00:00.000Z' });
    expect(result.errors[0]).toMatch(/never marked good .*rolled back to the local config file/);
    expect(await record()).toMatchObject({ good: null, pending: null, lastVersion: 4 });
    // The replay protection survived the rollback: version 4 is spent.
    await operator.send({ id: 'again', version: 4, config: proposed() });
    expect((await operator.resultFor('again')).errors).toEqual(['version: 4 is not newer than the last applied version 4 (a replayed or out-of-date config)']);
  });

  it('starts with the local file when the good override cannot start, and says so on config/result', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    const good = { id: 'was-good', version: 2, appliedAt: '2026-12-01T10:00:00.000Z', config: proposed({ status: { listen: `127.0.0.1:${taken}` } }) };
    await writeFile(join(dir.path, 'remote-config.json'), JSON.stringify({ good, pending: null, lastVersion: 2 }));
    const running = await start(local());
    expect(running.config.sensors.map((sensor) => sensor.id)).toEqual(['greenhouse']);
    const result = await operator.resultFor('was-good');
    expect(result).toMatchObject({ accepted: false, rolledBack: true, version: 2 });
    expect(result.errors[0]).toMatch(/^remote config was-good was good, but the agent could not start with it: .*: starting with the local config file$/);
    expect(await record()).toMatchObject({ good: null, pending: null, lastVersion: 2 });
  });

  it('refuses a config whose override cannot be recorded, and keeps running as it was', async () => {
    const running = await start(local());
    // The record's temp file cannot be created where a folder has its name.
    await mkdir(join(dir.path, 'remote-config.json.partial'));
    await operator.send({ id: 'unrecorded', version: 9, config: proposed() });
    const result = await operator.resultFor('unrecorded');
    expect(result).toMatchObject({ accepted: false, appliedAt: null });
    expect(result.errors).toEqual([expect.stringMatching(/^the override cannot be written to .*remote-config\.json \(EISDIR\): nothing was changed$/)]);
    expect(running.config.sensors.map((sensor) => sensor.id)).toEqual(['greenhouse']);
    // Its version was not spent: once the record can be written, the same message is applied.
    await rm(join(dir.path, 'remote-config.json.partial'), { recursive: true });
    await operator.send({ id: 'recorded', version: 9, config: proposed() });
    expect(await operator.resultFor('recorded')).toMatchObject({ accepted: true, version: 9 });
  });

  it('refuses garbage on config/set, answers when an id can be read, ignores a retained config, and keeps running', async () => {
    // Retained before the agent subscribes: delivered to it with the retain flag, as after every reconnect.
    await operator.send({ id: 'retained', config: proposed() }, { retain: true });
    const running = await start(local());
    await operator.send('not json at all');
    await operator.send(Buffer.alloc(300 * 1024, 0x7b));
    await operator.send({ id: 'shape', config: [1, 2], extra: true, version: -3 });
    const result = await operator.resultFor('shape');
    expect(result.errors).toEqual([
      'config/set: config: is not a mapping of settings (a whole config)',
      'config/set: version: -3 is not a whole number of at least 1',
      'config/set: unknown key extra (expected id, config, version, signature)',
    ]);
    await operator.send({ id: 'after', config: proposed() });
    expect((await operator.resultFor('after')).accepted).toBe(true);
    // Nothing answered the id-less messages; the retained one was neither applied nor answered.
    expect(operator.results.map((entry) => entry.id)).toEqual(['shape', 'after']);
    expect(running.hub.snapshot().mqtt.connected).toBe(true);
  });

  describe('with remote.publicKey', () => {
    const pair = () => {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      return { publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    };
    const signed = (privatePem: string, id: string, version: number, config = proposed()) => ({ id, version, config, signature: signConfig(privatePem, config, version) });

    it('accepts only configs signed by the matching key, and refuses a replayed or older version', async () => {
      const device = pair();
      const stranger = pair();
      await writeFile(join(dir.path, 'signing.pub.pem'), device.publicPem);
      const running = await start(local({}, { publicKey: 'signing.pub.pem' }));

      await operator.send({ id: 'unsigned', version: 5, config: proposed() });
      expect((await operator.resultFor('unsigned')).errors).toEqual(['signature: missing (remote.publicKey is set: only signed configs are accepted; see sensor-agent sign-config)']);
      await operator.send(signed(stranger.privatePem, 'stranger', 5));
      expect((await operator.resultFor('stranger')).errors).toEqual(['signature: does not verify with remote.publicKey (signed with another key, or the config or version was changed after signing)']);
      // Signed, then changed: the config, or the version to get past the replay check.
      await operator.send({ ...signed(device.privatePem, 'tampered', 5), config: proposed({ sensors: [COUNTER] }) });
      expect((await operator.resultFor('tampered')).accepted).toBe(false);
      await operator.send({ ...signed(device.privatePem, 'bumped', 5), version: 6 });
      expect((await operator.resultFor('bumped')).accepted).toBe(false);
      await operator.send({ ...signed(device.privatePem, 'garbled', 5), signature: '!!not base64!!' });
      expect((await operator.resultFor('garbled')).errors[0]).toMatch(/^signature: does not verify/);
      expect(running.config.sensors.map((sensor) => sensor.id)).toEqual(['greenhouse']);

      const good = signed(device.privatePem, 'v5', 5);
      await operator.send(good);
      expect(await operator.resultFor('v5')).toMatchObject({ accepted: true, version: 5 });
      expect(running.config.sensors.map((sensor) => sensor.id)).toEqual(['greenhouse', 'attic']);

      await operator.send({ ...good, id: 'replay' });
      expect((await operator.resultFor('replay')).errors).toEqual(['version: 5 is not newer than the last applied version 5 (a replayed or out-of-date config)']);
      await operator.send(signed(device.privatePem, 'older', 3, proposed({ sensors: [COUNTER] })));
      expect((await operator.resultFor('older')).errors).toEqual(['version: 3 is not newer than the last applied version 5 (a replayed or out-of-date config)']);
      expect(running.config.sensors.map((sensor) => sensor.id)).toEqual(['greenhouse', 'attic']);

      // The last version is kept in the state directory: a restart does not reopen the door.
      await agent!.stop();
      agent = null;
      await start(local({}, { publicKey: 'signing.pub.pem' }));
      await operator.send({ ...good, id: 'replay-after-restart' });
      expect((await operator.resultFor('replay-after-restart')).accepted).toBe(false);
      await operator.send(signed(device.privatePem, 'v6', 6, proposed({ sensors: [COUNTER] })));
      expect((await operator.resultFor('v6')).accepted).toBe(true);
      expect(agent!.config.sensors.map((sensor) => sensor.id)).toEqual(['greenhouse']);
      expect(await record()).toMatchObject({ good: { id: 'v6' }, lastVersion: 6 });
    });
  });
});
