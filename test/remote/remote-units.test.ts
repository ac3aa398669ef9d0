// The remote configuration's pieces on their own: the config/set message parser, the locked keys,
// the signature over canonical JSON, the override record, and the remote section of the schema.
import { generateKeyPairSync } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_CONFIG_MESSAGE_BYTES, parseConfigMessage } from '../../src/remote/config-message.js';
import { lockedChanges, withLockedFromLocal } from '../../src/remote/locked-keys.js';
import { canonicalJson, signatureVerifies, signConfig } from '../../src/remote/signature.js';
import { EMPTY_STATE, overridePath, readOverride, writeOverride } from '../../src/remote/override-store.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { DEFAULT_LOCKED_KEYS } from '../../src/config/remote-section.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('parseConfigMessage', () => {
  it('reads id, config, version and signature', () => {
    expect(parseConfigMessage(json({ id: 'a', config: { sensors: [] }, version: 3, signature: 'c2ln' }))).toEqual({ ok: true, message: { id: 'a', config: { sensors: [] }, version: 3, signature: 'c2ln' } });
  });

  it('refuses what is not a message, with the id when it has one', () => {
    expect(parseConfigMessage(Buffer.from('{"id": "x", '))).toMatchObject({ ok: false, id: null, errors: [expect.stringMatching(/^config\/set: not valid JSON/)] });
    expect(parseConfigMessage(json([1]))).toEqual({ ok: false, id: null, errors: ['config/set: expected a JSON object {"id": ..., "config": {...}}'] });
    expect(parseConfigMessage(Buffer.alloc(MAX_CONFIG_MESSAGE_BYTES + 1, 0x20))).toEqual({ ok: false, id: null, errors: [`config/set: the message is ${MAX_CONFIG_MESSAGE_BYTES + 1} bytes (at most ${MAX_CONFIG_MESSAGE_BYTES})`] });
    expect(parseConfigMessage(json({ config: {} }))).toMatchObject({ ok: false, id: null, errors: ['config/set: id: missing a non-empty string of at most 200 characters'] });
    expect(parseConfigMessage(json({ id: 'b', signature: 7, version: 1.5 }))).toEqual({
      ok: false,
      id: 'b',
      errors: ['config/set: config: missing a mapping of settings (a whole config)', 'config/set: version: 1.5 is not a whole number of at least 1', 'config/set: signature: is not a base64 string'],
    });
  });
});

describe('locked keys', () => {
  const local = { mqtt: { url: 'mqtt://a:1883', username: 'dev', tls: { ca: 'ca.pem' } }, remote: { config: true }, sensors: [] };

  it('fills a locked key the remote config leaves out from the local file, and drops one the local file does not set', () => {
    const merged = withLockedFromLocal(local, { mqtt: { qos: 2, password: 'guess' }, sensors: [{ id: 's' }] }, DEFAULT_LOCKED_KEYS);
    expect(merged).toEqual({ mqtt: { qos: 2, url: 'mqtt://a:1883', username: 'dev', tls: { ca: 'ca.pem' } }, remote: { config: true }, sensors: [{ id: 's' }] });
  });

  it('names each locked key the remote config sets differently; the same value is no change', () => {
    expect(lockedChanges(local, { mqtt: { url: 'mqtt://a:1883', username: 'other', tls: { ca: 'ca.pem', rejectUnauthorized: false } } }, DEFAULT_LOCKED_KEYS)).toEqual([
      'mqtt.username: is locked by remote.locked in the local config (leave it out, or set it as the local file has it)',
      'mqtt.tls: is locked by remote.locked in the local config (leave it out, or set it as the local file has it)',
    ]);
    expect(lockedChanges(local, { mqtt: { url: 'mqtt://b:1883' } }, [])).toEqual([]);
    expect(lockedChanges(local, { outputs: [] }, ['outputs'])).toEqual(['outputs: is locked by remote.locked in the local config (leave it out, or set it as the local file has it)']);
    expect(lockedChanges(local, { remote: { config: true } }, [])).toEqual([]);
    expect(lockedChanges(local, { remote: { config: false } }, [])).toEqual(['remote: can never be changed remotely (leave it out, or set it as the local file has it)']);
  });
});

describe('signatures', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('sign the config and the version, whatever order the keys were written in', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: null }], a: 'x' })).toBe('{"a":"x","b":[2,{"c":null,"d":1}]}');
    const signature = signConfig(privatePem, { mqtt: { qos: 1, retain: false }, sensors: [] }, 7);
    expect(signatureVerifies(publicKey, { sensors: [], mqtt: { retain: false, qos: 1 } }, 7, signature)).toBe(true);
    expect(signatureVerifies(publicKey, { sensors: [], mqtt: { retain: true, qos: 1 } }, 7, signature)).toBe(false);
    expect(signatureVerifies(publicKey, { sensors: [], mqtt: { retain: false, qos: 1 } }, 8, signature)).toBe(false);
    expect(signatureVerifies(publicKey, { sensors: [] }, 7, 'AAAA')).toBe(false);
  });

  it('refuse a key that is not ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => signConfig(rsa, {}, 1)).toThrow('the key is a rsa key (expected an ed25519 private key)');
  });
});

describe('the override record', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  beforeEach(async () => (dir = await makeTempDir('remote-record-')));
  afterEach(async () => dir.cleanup());

  it('lives beside the buffer folder, is replaced whole, and leaves no temp file', async () => {
    const path = overridePath(join(dir.path, 'buffer'));
    expect(path).toBe(join(dir.path, 'remote-config.json'));
    expect(await readOverride(path)).toEqual(EMPTY_STATE);
    const state = { good: { id: 'a', version: 2, appliedAt: '2026-12-04T10:00:00.000Z', config: { sensors: [] } }, pending: null, lastVersion: 2 };
    await writeOverride(path, state);
    expect(await readOverride(path)).toEqual(state);
    expect(await readdir(dir.path)).toEqual(['remote-config.json']);
    await writeFile(path, '{"good": ');
    await expect(readOverride(path)).rejects.toThrow(SyntaxError);
  });
});

describe('the remote section', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  beforeEach(async () => (dir = await makeTempDir('remote-section-')));
  afterEach(async () => dir.cleanup());
  const problems = (remote: unknown): string[] => {
    try {
      parseConfig({ remote, sensors: [{ id: 'c', driver: 'simulated' }] }, { env: {}, baseDir: dir.path, hostname: 'h' });
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('is off by default, locks the broker URL and credentials, and waits 60 s for health', () => {
    const config = parseConfig({ sensors: [{ id: 'c', driver: 'simulated' }] }, { env: {}, baseDir: dir.path, hostname: 'h' });
    expect(config.remote).toEqual({ config: false, locked: [...DEFAULT_LOCKED_KEYS], healthTimeout: 60_000 });
  });

  it('takes an ed25519 public key as PEM text or a file, and names a bad one', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await writeFile(join(dir.path, 'key.pem'), pem);
    expect(problems({ publicKey: pem })).toEqual([]);
    expect(problems({ publicKey: 'key.pem' })).toEqual([]);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(problems({ publicKey: rsa })).toEqual([expect.stringMatching(/^remote\.publicKey: .*is a rsa key \(expected ed25519\)/)]);
    expect(problems({ publicKey: 'missing.pem' })).toEqual([expect.stringMatching(/^remote\.publicKey: .*cannot be read .*missing\.pem: not found/)]);
    expect(problems({ locked: ['mqtt.url', 'not a key'], healthTimeout: 'soon' })).toEqual([
      expect.stringMatching(/^remote\.locked\[1\]: .*is not a dotted config key/),
      expect.stringMatching(/^remote\.healthTimeout: /),
    ]);
  });
});
