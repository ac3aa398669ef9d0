// Signed remote configs: an ed25519 signature (Node's own crypto) over the canonical JSON of
// `{ config, version }`: object keys sorted at every level, no whitespace, so the signer and the
// agent hash the same bytes whatever order a tool wrote the keys in. The version is signed with
// the config: a replayed older message cannot be given a newer version without the private key.
import { createPrivateKey, sign, verify, type KeyObject } from 'node:crypto';

/** JSON with object keys sorted at every level (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The bytes a signature covers. */
export function signedBytes(config: unknown, version: number | undefined): Buffer {
  return Buffer.from(canonicalJson(version === undefined ? { config } : { config, version }), 'utf8');
}

/** The base64 ed25519 signature of `{ config, version }` with a private key in PEM. */
export function signConfig(privateKeyPem: string, config: unknown, version: number | undefined): string {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the key is a ${key.asymmetricKeyType ?? 'unknown'} key (expected an ed25519 private key)`);
  return sign(null, signedBytes(config, version), key).toString('base64');
}

/** Whether `signature` (base64) is `publicKey`'s over `{ config, version }`. */
export function signatureVerifies(publicKey: KeyObject, config: unknown, version: number | undefined, signature: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    return verify(null, signedBytes(config, version), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
