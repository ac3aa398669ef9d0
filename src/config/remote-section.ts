// remote: remote configuration over MQTT (issue 22). Off unless `remote.config: true`. `locked`
// names the keys a remote config may not change (a key covers its subtree); `remote` itself and
// `store` can never be changed remotely (remote/locked-keys.ts says why). `publicKey` is an
// ed25519 public key, PEM text or a file holding it, checked here so a wrong key is a bad config.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { ConfigContext } from '../schema/files.js';
import { readNamedFile } from '../schema/files.js';
import { durationField, expecting } from '../schema/fields.js';

/** The broker URL and its credentials: a remote config that could change them could lock the device out. */
export const DEFAULT_LOCKED_KEYS = ['mqtt.url', 'mqtt.username', 'mqtt.password', 'mqtt.passwordFile', 'mqtt.tls'] as const;

const KEY_PATH = /^[A-Za-z$][A-Za-z0-9_$]*(\.[A-Za-z$][A-Za-z0-9_$]*)*$/;
const KEY_EXPECTED = 'a dotted config key such as mqtt.url';
const PEM_EXPECTED = 'an ed25519 public key (PEM text, or the path of a .pem file)';

export interface PublicKeySetting {
  pem: string;
  key: KeyObject;
  /** The file it was read from, when it was not given as PEM text. */
  path?: string;
  toJSON(): string;
}

function publicKeyField(context: ConfigContext) {
  return z
    .string(expecting(PEM_EXPECTED))
    .min(1, { error: `is empty (expected ${PEM_EXPECTED})` })
    .transform((raw, ctx): PublicKeySetting => {
      let pem = raw;
      let path: string | undefined;
      if (!raw.includes('-----BEGIN')) {
        const file = readNamedFile(raw, context);
        if (!file.ok) {
          ctx.addIssue({ code: 'custom', message: file.problem });
          return z.NEVER;
        }
        pem = file.text;
        path = file.path;
      }
      let key: KeyObject;
      try {
        key = createPublicKey(pem);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `is not ${PEM_EXPECTED}: ${(error as Error).message}` });
        return z.NEVER;
      }
      if (key.asymmetricKeyType !== 'ed25519') {
        ctx.addIssue({ code: 'custom', message: `is a ${key.asymmetricKeyType ?? 'unknown'} key (expected ed25519)` });
        return z.NEVER;
      }
      // Printed (check-config) as its file, or as the PEM text: the KeyObject has nothing to show.
      const toJSON = (): string => path ?? pem;
      return path === undefined ? { pem, key, toJSON } : { pem, key, path, toJSON };
    });
}

export function remoteSection(context: ConfigContext) {
  return z.strictObject(
    {
      config: z.boolean(expecting('true or false')).default(false),
      locked: z
        .array(z.string(expecting(KEY_EXPECTED)).regex(KEY_PATH, { error: `is not ${KEY_EXPECTED}` }), expecting('a list of config keys'))
        .default([...DEFAULT_LOCKED_KEYS]),
      healthTimeout: durationField(100, '60s'),
      publicKey: publicKeyField(context).optional(),
    },
    expecting('a mapping of remote configuration settings'),
  );
}
