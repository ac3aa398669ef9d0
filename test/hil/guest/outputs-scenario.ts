// Runs inside the guest (test/hil/outputs.test.ts boots it) against a gpio-sim chip labelled as a
// Pi 4's main controller: the built agent drives BCM 22 as a `gpio-output` (activeLow, as a relay
// board's input) through `hardware.gpio: sysfs` and then `cdev`, and this script reads the wire
// level from sim_gpio22/value. The broker is in this process, behind a TCP proxy this script cuts.
// The sim line's pull is set to pull-up first: the wiring README recommends for an active-low
// board (what the relay input sees whenever nothing drives the line).
//   per backend: the level at start (initial), after ON, after the link is cut (safe state after
//   failsafeAfter), while stopping on SIGTERM (safe state before exit; gpio-sim returns a released
//   line to its pull), and after SIGKILL while ON (measured).
// Usage: node dist/hil/outputs-scenario.mjs BASE SIM_DIR   → /tmp/hil/outputs.json
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startAedes, type AedesBroker } from '../../helpers/broker.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { cleanupChildAgents, startChildAgent, writeConfig, type ChildAgent } from '../../helpers/child-agent.js';
import type { GpioBackendSetting } from '../../../src/hardware/gpio/gpio.js';
import { guestAgentConfig, runScenario, sleep } from './kit.js';

const [baseArg = '', simDir = ''] = process.argv.slice(2);
const base = Number(baseArg);
const PIN = 22;
const FAILSAFE_MS = 1000;
const TOPIC = 'sensors/hil/pump';

const setPull = (pull: 'pull-up' | 'pull-down'): void => writeFileSync(join(simDir, `sim_gpio${PIN}`, 'pull'), pull);
const wire = (): string => readFileSync(join(simDir, `sim_gpio${PIN}`, 'value'), 'utf8').trim();
const exported = (): boolean => existsSync(`/sys/class/gpio/gpio${base + PIN}`);

/** Polls the wire until it shows `level`; resolves with the ms it took, rejects after timeoutMs. */
async function wireBecomes(level: string, timeoutMs = 20_000): Promise<number> {
  const start = Date.now();
  while (wire() !== level) {
    if (Date.now() - start > timeoutMs) throw new Error(`sim_gpio${PIN}/value stayed ${wire()} (waited for ${level} ${timeoutMs} ms)`);
    await sleep(10);
  }
  return Date.now() - start;
}

async function startAgent(name: string, proxy: TcpProxy, gpio: GpioBackendSetting): Promise<ChildAgent> {
  const dir = join('/tmp', `hil-outputs-${name}`);
  mkdirSync(dir, { recursive: true });
  const config = {
    ...guestAgentConfig(proxy.url, dir, [{ id: 'load', driver: 'simulated', interval: '10s' }]),
    mqtt: { url: proxy.url, protocolVersion: 4, qos: 1, keepalive: '2s', reconnect: { min: '100ms', max: '300ms' } },
    hardware: { gpio },
    outputs: [{ id: 'pump', driver: 'gpio-output', pin: PIN, activeLow: true, initial: 0, safeState: 0, failsafeAfter: `${FAILSAFE_MS}ms` }],
  };
  const agent = await startChildAgent(await writeConfig(dir, config), { startTimeoutMs: 60_000 });
  await agent.waitForLog((line) => line.msg === 'subscribed to output commands', 60_000, 'the command subscription');
  return agent;
}

async function backend(gpio: GpioBackendSetting, broker: AedesBroker, client: MqttClient, confirmed: string[]): Promise<Record<string, unknown>> {
  const proxy = await startTcpProxy(broker.port);
  const agent = await startAgent(gpio, proxy, gpio);
  try {
    const initialWire = wire();
    const exportedWhileRunning = exported();
    await client.publishAsync(`${TOPIC}/set`, 'ON', { qos: 1 });
    const onMs = await wireBecomes('0');
    const cutAt = Date.now();
    proxy.cut();
    await wireBecomes('1', 30_000);
    const failsafeMs = Date.now() - cutAt;
    const afterCut = (await agent.status()).outputs.find((output) => output.id === 'pump')?.lastCommand?.source;
    proxy.restore();
    const before = confirmed.length;
    // The state (OFF) is published after the reconnect, not re-applied.
    while (!confirmed.slice(before).includes('OFF')) await sleep(50);
    await client.publishAsync(`${TOPIC}/set`, 'ON', { qos: 1 });
    await wireBecomes('0');
    // SIGTERM with the pull set the other way (pull-down: what a released line would fall to):
    // a wire of 1 seen while stopping can only be the agent's safe state, set before it exited.
    setPull('pull-down');
    const whileStopping: string[] = [wire()];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const level = wire();
        if (whileStopping.at(-1) !== level) whileStopping.push(level);
        await sleep(1);
      }
    })();
    const exitCode = await agent.stop(30_000);
    sampling = false;
    await sampler;
    const afterSigterm = wire();
    setPull('pull-up');
    const stopLog = agent.logged('output at its safe state for stop').map((line) => line.state);

    // SIGKILL while ON: nothing runs in the agent; what the line does is the kernel's and the wiring's.
    const killed = await startAgent(`${gpio}-killed`, proxy, gpio);
    await client.publishAsync(`${TOPIC}/set`, 'ON', { qos: 1 });
    await wireBecomes('0');
    await killed.kill();
    await sleep(200);
    const afterSigkill = wire();
    const exportedAfterSigkill = exported();
    if (exportedAfterSigkill) writeFileSync('/sys/class/gpio/unexport', String(base + PIN));
    return { initialWire, exportedWhileRunning, onMs, failsafeMs, afterCut, exitCode, whileStopping, afterSigterm, stopLog, afterSigkill, exportedAfterSigkill, releasedWire: wire() };
  } finally {
    await agent.kill();
    await proxy.stop();
  }
}

await runScenario('outputs.json', async () => {
  if (!Number.isInteger(base) || !simDir) throw new Error('usage: outputs-scenario.mjs BASE SIM_DIR');
  setPull('pull-up');
  const broker = await startAedes();
  const client = await mqtt.connectAsync(broker.url, { clean: true, reconnectPeriod: 0 });
  const confirmed: string[] = [];
  client.on('message', (topic, payload) => topic === TOPIC && confirmed.push(payload.toString()));
  await client.subscribeAsync(TOPIC, { qos: 1 });
  try {
    const idleWire = wire();
    return { base, idleWire, sysfs: await backend('sysfs', broker, client, confirmed), cdev: await backend('cdev', broker, client, confirmed) };
  } finally {
    await client.endAsync();
    await broker.stop();
  }
});
await cleanupChildAgents();
