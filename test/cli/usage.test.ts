// What the built CLI says when the command line or the config is a little wrong: one line with the
// fix (a did-you-mean, the value an option needs), not Node's parser text and the whole usage;
// URLs with their password masked; warnings for settings that are valid but probably a slip.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentFolder, cleanupChildAgents, ensureBuilt, runCli } from '../helpers/child-agent.js';

const HELP = "see 'sensor-agent --help'";

beforeAll(async () => {
  await ensureBuilt();
});

afterAll(async () => {
  await cleanupChildAgents();
});

async function configIn(text: string, name = 'config.yaml'): Promise<string> {
  const file = join(await agentFolder('sensor-agent-usage-'), name);
  await writeFile(file, text);
  return file;
}

describe('usage mistakes', () => {
  it.concurrent.for([
    [['check-config', '--confg', 'ok.yaml'], `unknown option --confg (did you mean --config?); ${HELP}`],
    [['check-config', '--confg=ok.yaml'], `unknown option --confg (did you mean --config?); ${HELP}`],
    [['scan-i2c', '--buss', '1'], `unknown option --buss (did you mean --bus?); ${HELP}`],
    [['check-config', '--config'], `--config needs a file name (--config FILE); ${HELP}`],
    [['check-config', '-c'], `--config needs a file name (--config FILE); ${HELP}`],
    [['doctor', '--config='], `--config needs a file name (--config FILE); ${HELP}`],
    [['scan-i2c', '--bus'], `--bus needs a bus number (--bus N, the N of /dev/i2c-N); ${HELP}`],
    [['--version=2'], `--version takes no value; ${HELP}`],
    [['rnu'], `unknown command rnu (did you mean run?); ${HELP}`],
    [['check-confg'], `unknown command check-confg (did you mean check-config?); ${HELP}`],
    [['run', 'config.yaml'], `unexpected argument config.yaml after run (a config file goes after --config); ${HELP}`],
    [[], `no command given (one of: run, check-config, doctor, scan-i2c, sign-config, fleet); ${HELP}`],
  ] as Array<[string[], string]>)('%j → one line, exit 1', async ([args, line], { expect }) => {
    const result = await runCli(args);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: `sensor-agent: ${line}\n` });
  });
});

describe('check-config', () => {
  it('masks a password in mqtt.url, as it masks mqtt.password', async () => {
    const file = await configIn('mqtt: { url: "mqtt://user:urlpass@127.0.0.1:1883", password: pw }\nsensors:\n  - { id: a, driver: simulated }\n');
    const result = await runCli(['check-config', '--config', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('urlpass');
    expect(JSON.parse(result.stdout)).toMatchObject({ mqtt: { url: 'mqtt://user:***@127.0.0.1:1883', password: '***' } });
  });

  it('prints a warning for interval: 10 (10 ms) and still accepts the config', async () => {
    const file = await configIn('sensors:\n  - { id: a, driver: simulated, interval: 10 }\n');
    const result = await runCli(['check-config', '--config', file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`warning: sensors[0].interval: 10 is 10 ms (a bare number means milliseconds; write 10s for 10 seconds, or 10ms to keep it and silence this)\n${file}: ok\n`);
  });

  it('rejects a .json config with a trailing comma (exit 78), naming line and column', async () => {
    const file = await configIn('{ "sensors": [ { "id": "a", "driver": "simulated" }, ] }\n', 'config.json');
    const result = await runCli(['check-config', '--config', file]);
    expect(result).toMatchObject({ code: 78, stderr: `config file ${file}: line 1, column 52: not valid JSON (a trailing comma before a closing bracket is not allowed in JSON)\n` });
  });

  it('says a folder given as the config is a folder (exit 78)', async () => {
    const dir = await agentFolder('sensor-agent-usage-');
    const result = await runCli(['check-config', '--config', dir]);
    expect(result).toMatchObject({ code: 78, stderr: `config file ${dir}: is a folder, not a config file\n` });
  });

  it('says an empty config file is empty (exit 78)', async () => {
    const file = await configIn('');
    const result = await runCli(['check-config', '--config', file]);
    expect(result).toMatchObject({ code: 78, stderr: `config file ${file}: the file is empty (expected settings, at least a sensors: list)\n` });
  });
});
