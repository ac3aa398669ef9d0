// `sensor-agent sign-config --key PRIVATE.pem [--version N] [--id ID] FILE`: reads a config file
// (YAML or JSON, as the agent reads one) and prints the config/set message that carries it,
// signed with an ed25519 private key (remote/signature.ts): one line of JSON, ready for
// `mqtt pub -t <topicPrefix>/config/set -m "$(...)"`. Without --version the version is the
// current Unix time in seconds, so each signing outranks the last. The config is not validated
// here (the signer's machine is not the device): the agent validates it and answers.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { readConfigData } from '../config/load.js';
import { ConfigError } from '../config/errors.js';
import { signConfig } from '../remote/signature.js';

export interface SignConfigArgs {
  key: string | undefined;
  version: string | undefined;
  id: string | undefined;
  file: string | undefined;
}

interface Output {
  write(text: string): unknown;
}

export async function runSignConfig(args: SignConfigArgs, stdout: Output, stderr: Output, now: () => number = Date.now): Promise<number> {
  const fail = (message: string): number => (stderr.write(`sensor-agent sign-config: ${message}\n`), 1);
  if (args.key === undefined) return fail('--key PRIVATE.pem is required (an ed25519 private key: openssl genpkey -algorithm ed25519 -out private.pem)');
  if (args.file === undefined) return fail('the config file to sign is missing (sensor-agent sign-config --key PRIVATE.pem [--version N] FILE)');
  let version: number;
  if (args.version === undefined) version = Math.floor(now() / 1000);
  else if (/^\d+$/.test(args.version) && Number.isSafeInteger(Number(args.version)) && Number(args.version) >= 1) version = Number(args.version);
  else return fail(`--version ${args.version} is not a whole number of at least 1`);
  let pem: string;
  try {
    pem = await readFile(args.key, 'utf8');
  } catch (error) {
    return fail(`--key ${args.key}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let config: Record<string, unknown>;
  try {
    // As JSON carries it: what the agent will verify is exactly what was signed.
    config = JSON.parse(JSON.stringify(await readConfigData(args.file))) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.problems.join('\n'));
    throw error;
  }
  let signature: string;
  try {
    signature = signConfig(pem, config, version);
  } catch (error) {
    return fail(`--key ${args.key}: ${(error as Error).message}`);
  }
  const id = args.id ?? `${basename(args.file).replace(/\.[^.]*$/, '')}-v${version}`;
  stdout.write(`${JSON.stringify({ id, version, config, signature })}\n`);
  return 0;
}
