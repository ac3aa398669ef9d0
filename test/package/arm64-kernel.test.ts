// The arm64 .deb on a real arm64 kernel: Debian's arm64 kernel booted under qemu-system-aarch64
// (virt, TCG) into an arm64 root of Debian packages with systemd as PID 1; the package installed
// with `dpkg -i` (its postinst runs Debian's adduser), and the agent started by systemd from the
// package's own unit (User=, Group=, SupplementaryGroups=, UMask=, StateDirectory=, ExecStart=
// with its V8 flags, the sandbox, Type=notify), reading a BME280 on i2c-stub (the datasheet register map), a
// door contact on one gpio-sim line and driving a pump on another (hardware.gpio left at `auto`,
// which picks the character device through the shipped arm64 gpio-cdev addon), publishing to a
// broker on the host's loopback through qemu's user-mode network.
// Run by `npm run test:package` after it built the .deb (SENSOR_AGENT_ARM64_DEB); alone:
//   scripts/package.sh arm64 && npx vitest run --config vitest.package.config.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startAedes, type TestBroker } from '../helpers/broker.js';
import { startSubscriber, type ReceivedReading, type Subscriber } from '../helpers/subscriber.js';
import { REPO_ROOT } from '../helpers/child-agent.js';
import { busFromFixture, createOn } from '../sensors/i2c-rig.js';
import { stubWrites } from '../hil/guest/i2c-stub-load.js';
import { loadRegisterMap } from '../../src/hardware/i2c/register-map.js';
import { findDriver } from '../../src/sensors/registry.js';
import { arm64SkipReason, bootArm64, debFile, stageFiles, type Arm64Run, type ConsoleLine } from './helpers/arm64-guest.js';

const version = (JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const deb = process.env.SENSOR_AGENT_ARM64_DEB ?? join(REPO_ROOT, `release/sensor-agent_${version}_arm64.deb`);
const skip = arm64SkipReason(deb);
if (skip) console.warn(`\n*** arm64 kernel check SKIPPED: ${skip} ***\n`);

/** `i2cset` arguments that fill an all-zero i2c-stub chip with the BME280 map (register map → stub). */
async function bme280StubWrites(): Promise<string> {
  const device = (await loadRegisterMap(join(REPO_ROOT, 'test/fixtures/regmaps/bme280.yaml'))).get(0x76)!;
  return stubWrites(0x76, device)
    .map((write) => `0x${write.register.toString(16)} 0x${write.value.toString(16)} ${write.kind === 'byte' ? 'b' : 'w'}\n`)
    .join('');
}

function config(port: number): string {
  // JSON is YAML; @BUS@ becomes the stub's bus number in the guest.
  return `${JSON.stringify(
    {
      device: { id: 'arm64-kernel' },
      mqtt: { url: `mqtt://10.0.2.2:${port}`, qos: 1, keepalive: '5s', reconnect: { min: '200ms', max: '1s' } },
      log: { level: 'info' },
      sensors: [
        { id: 'room', driver: 'bme280', bus: '@BUS@', address: 0x76, interval: '1s' },
        { id: 'door', driver: 'gpio-input', pin: 17, edge: 'both', debounce: 0, interval: '10m' },
      ],
      outputs: [{ id: 'pump', driver: 'gpio-output', pin: 22, initial: 0, safeState: 0 }],
    },
    null,
    2,
  ).replace('"@BUS@"', '@BUS@')}\n`;
}

const json = <T>(run: Arm64Run, name: string): T => {
  const line = run.lines.find((candidate) => candidate.text.startsWith(`hil-json ${name} `));
  if (!line) throw new Error(`no hil-json ${name} line; console:\n${run.lines.slice(-40).map((l) => l.text).join('\n')}`);
  return JSON.parse(line.text.slice(`hil-json ${name} `.length)) as T;
};
const at = (run: Arm64Run, pattern: RegExp): ConsoleLine => {
  const line = run.lines.find((candidate) => pattern.test(candidate.text));
  if (!line) throw new Error(`no console line matched ${pattern}`);
  return line;
};

describe.skipIf(skip !== null)(`the arm64 .deb on Debian's arm64 kernel (qemu-system-aarch64, TCG)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let broker: TestBroker;
  // One per sensor topic: the pump's state topic (ON/OFF) is not a reading.
  const subscribers: Subscriber[] = [];
  let commands: MqttClient;
  const pumpStates: string[] = [];
  let stage = '';
  let run: Arm64Run;
  const received: Array<ReceivedReading & { receivedAt: number }> = [];

  beforeAll(async () => {
    broker = await startAedes();
    for (const id of ['room', 'door']) subscribers.push(await startSubscriber(broker.url, `sensors/arm64-kernel/${id}`));
    commands = await mqtt.connectAsync(broker.url, { clientId: 'arm64-commands' });
    commands.on('message', (_topic, payload) => pumpStates.push(payload.toString()));
    await commands.subscribeAsync('sensors/arm64-kernel/pump', { qos: 1 });
    const scenario = await readFile(join(REPO_ROOT, 'test/package/guest/arm64-scenario.sh'), 'utf8');
    stage = await stageFiles({
      'hil/sensor-agent.deb': { content: await readFile(deb) },
      'hil/test-script.sh': { content: scenario },
      'etc/systemd/system/hil-scenario.service': { content: await readFile(join(REPO_ROOT, 'test/package/guest/hil-scenario.service'), 'utf8') },
      'hil/stub-writes': { content: await bme280StubWrites() },
      'hil/config.yaml': { content: config(broker.port) },
    });
    // When each reading reached the broker (host clock), for the figures.
    const taken = subscribers.map(() => 0);
    const poll = setInterval(() => {
      subscribers.forEach((subscriber, which) => {
        for (; taken[which]! < subscriber.readings.length; taken[which]! += 1) received.push({ ...subscriber.readings[taken[which]!]!, receivedAt: Date.now() });
      });
    }, 20);
    const verbose = process.env.SENSOR_AGENT_ARM64_VERBOSE !== undefined;
    run = await bootArm64({
      stage,
      timeoutMs: 300_000,
      onLine: (line) => {
        if (verbose) console.log(`[arm64 ${line.atMs} ms] ${line.text}`);
        // Once the agent listens for commands (a command before that is not kept); the scenario
        // reads the pump's line back after the door's edges (up to 10 s more).
        if (line.text.includes('"msg":"subscribed to output commands"')) void commands.publishAsync('sensors/arm64-kernel/pump/set', 'ON', { qos: 1 });
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    clearInterval(poll);
  }, 330_000);

  afterAll(async () => {
    for (const subscriber of subscribers) await subscriber.stop();
    await commands?.endAsync();
    await broker?.stop();
    if (stage) await rm(stage, { recursive: true, force: true });
  });

  it('boots the arm64 kernel and the scenario ends with exit 0', () => {
    expect(run.timedOut, run.lines.slice(-40).map((l) => l.text).join('\n')).toBe(false);
    expect(at(run, /^hil-init: ready/).text).toMatch(/\(aarch64 6\.1\.\d+-\d+-arm64\)$/);
    expect(run.exitCode, run.lines.slice(-40).map((l) => l.text).join('\n')).toBe(0);
  });

  it('dpkg -i installs it (Depends met by the root), and postinst creates the system user in the gpio and i2c groups and makes the config root:sensor-agent 0640', () => {
    const account = json<{ dpkg: string; passwd: string; groups: string; config: string; enabled: string }>(run, 'account');
    expect(account.dpkg).toBe(`install ok installed ${version} arm64`);
    expect(account.enabled).toBe('enabled');
    // Debian's adduser passes --gecos to chfn, which adds the empty room, phone and other fields.
    expect(account.passwd).toMatch(/^sensor-agent:x:\d{3}:\d{3}:sensor-agent daemon,,,:\/var\/lib\/sensor-agent:\/usr\/sbin\/nologin$/);
    expect(account.groups.split(' ').sort()).toEqual(['gpio', 'i2c', 'sensor-agent']);
    expect(account.config).toBe('root:sensor-agent:640');
  });

  it('systemd runs the unit: ExecStart as User=/Group= with exactly Group= + SupplementaryGroups=, UMask=, StateDirectoryMode=, the sandbox, READY=1, on aarch64', async () => {
    const unit = debFile(deb, 'usr/lib/systemd/system/sensor-agent.service');
    const execStart = /^ExecStart=(.*)$/m.exec(unit)![1]!;
    const process_ = json<{ unit: string; status: string; umask: string; gids: string; state: string; cmdline: string; arch: string }>(run, 'process');
    const account = json<{ passwd: string }>(run, 'account');
    const [, , uid, gid] = account.passwd.split(':');
    const field = (name: string): string[] => (new RegExp(`${name}: ([^;]*)`).exec(process_.status)?.[1] ?? '').trim().split(/\s+/);
    expect(process_.arch).toBe('aarch64');
    expect(process_.cmdline.trim()).toBe(execStart);
    expect(field('Uid')).toEqual([uid, uid, uid, uid]);
    expect(field('Gid')).toEqual([gid, gid, gid, gid]);
    expect(field('Groups').sort()).toEqual(process_.gids.trim().split(' ').sort());
    expect(process_.umask).toBe('0027');
    // systemd's own doing, from the unit: Type=notify reached active (READY=1), no capabilities,
    // no_new_privs, a seccomp filter (SystemCallFilter=, on arm64's syscall table).
    expect(process_.unit.split(';').sort()).toEqual(['', 'ActiveState=active', 'NRestarts=0', 'SubState=running', 'Type=notify']);
    expect(field('NoNewPrivs')).toEqual(['1']);
    expect(field('Seccomp')).toEqual(['2']);
    expect(field('CapEff')).toEqual(['0000000000000000']);
    expect(field('CapBnd')).toEqual(['0000000000000000']);
    expect(process_.state).toBe('sensor-agent:sensor-agent:750');
    expect(json<{ owner: string }>(run, 'buffer').owner).toMatch(/^sensor-agent:sensor-agent:7[0-5]0$/);
  });

  it('publishes the datasheet BME280 from i2c-stub exactly as the direct driver computes it on the simulated bus', async () => {
    const direct = await (await createOn(findDriver('bme280')!, await busFromFixture('bme280.yaml'), { address: 0x76 })).read();
    const room = received.filter((reading) => reading.topic.endsWith('/room'));
    expect(room.length).toBeGreaterThanOrEqual(3);
    for (const reading of room) expect(reading.v).toEqual(direct);
  });

  it('hardware.gpio: auto picks the character device; each edge of a gpio-sim line is published, a command drives another line', () => {
    expect(at(run, /"msg":"GPIO: /).text).toMatch(/GPIO: character device \/dev\/gpiochip\d+ \\"pinctrl-bcm2711\\" \(hardware\.gpio: auto\)/);
    const levels = received.filter((reading) => reading.topic.endsWith('/door')).map((reading) => reading.v.level);
    expect(levels[0]).toBe(0);
    expect(levels.slice(1)).toEqual([1, 0, 1]);
    expect(json<{ before: string; after: string }>(run, 'pump')).toEqual({ before: '0', after: '1' });
    expect(pumpStates).toContain('ON');
  });

  it('stops with exit 0 on SIGTERM, leaving the pump at its safe state (line low, OFF published)', () => {
    expect(json<{ code: number; result: string; pump: string }>(run, 'stopped')).toEqual({ code: 0, result: 'success', pump: '0' });
    expect(pumpStates.at(-1)).toBe('OFF');
  });

  it('figures: boot, systemd up, dpkg -i, agent start to READY=1, first reading at the broker (TCG, printed)', () => {
    const ready = at(run, /^hil-init: ready/);
    const scenario = at(run, /^hil-step configure/);
    // Both echoed by the scenario around `systemctl start`, which returns on READY=1 (Type=notify).
    const start = at(run, /^hil-step agent-start/);
    const running = at(run, /^hil-step agent-running/);
    const first = received.find((reading) => reading.topic.endsWith('/room'));
    const figures = {
      bootToInitMs: ready.atMs,
      guestUptimeAtInitS: Number(/after ([\d.]+) s/.exec(ready.text)?.[1]),
      initToScenarioUnderSystemdMs: scenario.atMs - ready.atMs,
      dpkgInstallMs: at(run, /^hil-json account /).atMs - scenario.atMs,
      agentStartToReadyMs: running.atMs - start.atMs,
      agentStartToFirstReadingAtBrokerMs: first ? first.receivedAt - run.startedAt - start.atMs : null,
      totalMs: run.totalMs,
    };
    console.log(`arm64 kernel figures: ${JSON.stringify(figures)}`);
    expect(figures.agentStartToReadyMs).toBeGreaterThan(0);
  });
});
