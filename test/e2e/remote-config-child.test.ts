// Remote configuration with the built daemon as a child process and a real broker: a signed
// config made by `sensor-agent sign-config` is applied; a child killed with SIGKILL while a new
// config waits for its health gate starts again with the previous config, says why on
// config/result, refuses that config's version from then on, and has lost no reading; a good
// override survives a clean restart and check-config says it is in effect.
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { startConfigOperator, type ConfigOperator } from '../helpers/config-operator.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, runCli, startChildAgent, writeConfig } from '../helpers/child-agent.js';
import { until } from '../helpers/poll.js';
import { e2eConfig, TOPIC_PREFIX } from './agent-config.js';

const fixture = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const LOAD = { id: 'load', driver: 'simulated', interval: '100ms', signal: 'counter', burst: 5, decimals: 0 };

describe('remote configuration with the built daemon', () => {
  let broker: AedesBroker;
  let subscriber: Subscriber;
  let operator: ConfigOperator;

  beforeAll(async () => {
    await ensureBuilt();
  });

  beforeEach(async () => {
    broker = await startAedes();
    subscriber = await startSubscriber(broker.url, `${TOPIC_PREFIX}/+`);
    operator = await startConfigOperator(broker.url, TOPIC_PREFIX);
  });

  afterEach(async () => {
    await cleanupChildAgents();
    await operator.stop();
    await subscriber.stop();
    await broker.stop();
  });

  it('rolls back at the next start a config the agent was killed applying, and keeps a good one across restarts', async () => {
    const dir = await agentFolder('remote-config-e2e-');
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    await writeFile(join(dir, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    await writeFile(join(dir, 'private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const local = e2eConfig({ brokerUrl: broker.url, dir, sensors: [LOAD] });
    const configFile = await writeConfig(dir, { ...local, remote: { config: true, healthTimeout: '60s', publicKey: 'public.pem' } });
    // What the operator sends: the same, without the broker (locked), the store and the remote section.
    const { mqtt, store: _store, ...rest } = local as { mqtt: Record<string, unknown>; store: unknown };
    const fleet = { ...rest, mqtt: { ...mqtt, url: undefined } };
    const sign = async (name: string, version: number, sensors: unknown[]): Promise<Record<string, unknown>> => {
      const file = await writeConfig(dir, { ...fleet, simulate: { i2c: { 1: fixture('../fixtures/regmaps/bme280.yaml') } }, sensors }, `${name}.json`);
      const signed = await runCli(['sign-config', '--key', join(dir, 'private.pem'), '--version', String(version), '--id', name, file]);
      expect(signed.code, signed.stderr).toBe(0);
      return JSON.parse(signed.stdout) as Record<string, unknown>;
    };

    let agent = await startChildAgent(configFile);
    await agent.waitForLog((line) => line.msg === 'subscribed to remote configuration', 15_000, 'the config/set subscription');
    await subscriber.waitFor(() => subscriber.readings.length >= 20, 15_000, 'readings');

    // Never healthy (the chip at 0x77 is absent) within 60 s: the gate is still waiting when the kill comes.
    const doomed = await sign('absent-chip', 2, [LOAD, { id: 'missing', driver: 'bme280', bus: 1, address: '0x77', interval: '100ms' }]);
    expect(doomed).toMatchObject({ id: 'absent-chip', version: 2, signature: expect.any(String) });
    await operator.send(doomed);
    await agent.waitForLog((line) => line.msg === 'remote config applied; waiting for it to be healthy', 15_000, 'the apply');
    await agent.kill();
    const record = JSON.parse(await readFile(join(dir, 'remote-config.json'), 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ good: null, pending: { id: 'absent-chip', version: 2 }, lastVersion: 2 });
    const checked = await runCli(['check-config', '--config', configFile]);
    expect(checked.code).toBe(0);
    expect(checked.stderr).toContain('remote config: override absent-chip (version 2)');
    expect(checked.stderr).toContain('was never marked good: the next start rolls it back');

    agent = await startChildAgent(configFile);
    const why = await agent.waitForLog((line) => typeof line.msg === 'string' && line.msg.includes('never marked good'), 15_000, 'the rollback at start');
    expect(why.msg).toContain('rolled back to the local config file');
    const result = await operator.resultFor('absent-chip');
    expect(result).toMatchObject({ accepted: false, rolledBack: true, version: 2 });
    const status = await agent.waitForStatus((snapshot) => snapshot.mqtt.connected && snapshot.buffer.lastSeq > 0, 15_000, 'connected again');
    expect(status.sensors.map((sensor) => sensor.id)).toEqual(['load']);
    // Nothing accepted before, during or after the kill was lost.
    const { lastSeq } = (await agent.status()).buffer;
    await subscriber.waitForAll(lastSeq, 20_000);

    // The rolled-back version is spent; a newer, healthy one is applied and marked good.
    await operator.send({ ...doomed, id: 'replayed' });
    expect((await operator.resultFor('replayed')).errors).toEqual(['version: 2 is not newer than the last applied version 2 (a replayed or out-of-date config)']);
    await operator.send(await sign('with-attic', 3, [LOAD, { id: 'attic', driver: 'simulated', interval: '100ms', signal: 'counter', decimals: 0 }]));
    expect(await operator.resultFor('with-attic')).toMatchObject({ accepted: true, version: 3, health: { healthy: true } });
    await subscriber.waitFor(() => subscriber.readings.some((reading) => reading.topic === `${TOPIC_PREFIX}/attic`), 15_000, 'attic readings');
    expect(await agent.stop()).toBe(0);

    const inEffect = await runCli(['check-config', '--config', configFile]);
    expect(inEffect.stderr).toContain('remote config: override with-attic (version 3)');
    expect(inEffect.stderr).toContain('is in effect');
    agent = await startChildAgent(configFile);
    await agent.waitForLog((line) => line.msg === 'starting with the remote config override', 15_000, 'the override at start');
    const attic = subscriber.readings.filter((reading) => reading.topic === `${TOPIC_PREFIX}/attic`).length;
    await until(() => subscriber.readings.filter((reading) => reading.topic === `${TOPIC_PREFIX}/attic`).length > attic, 15_000, 'attic readings after the restart');
    const seqs = subscriber.readings.map((reading) => reading.seq);
    expect(Math.max(...seqs)).toBeGreaterThan(lastSeq);
    expect(await agent.stop()).toBe(0);
  }, 120_000);

  it('sign-config refuses a missing key, a bad version and a key that is not ed25519', async () => {
    const dir = await agentFolder('remote-sign-');
    const file = await writeConfig(dir, { sensors: [LOAD] });
    expect((await runCli(['sign-config', file])).stderr).toContain('sensor-agent sign-config: --key PRIVATE.pem is required');
    await writeFile(join(dir, 'rsa.pem'), generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const rsa = await runCli(['sign-config', '--key', join(dir, 'rsa.pem'), file]);
    expect(rsa).toMatchObject({ code: 1, stderr: expect.stringContaining('the key is a rsa key (expected an ed25519 private key)') });
    const version = await runCli(['sign-config', '--key', join(dir, 'rsa.pem'), '--version', 'two', file]);
    expect(version.stderr).toContain('--version two is not a whole number of at least 1');
  });
});
