// Runs inside the guest (test/hil/gpio.test.ts boots it) against a gpio-sim chip labelled as a Pi's
// main controller: the built agent with `gpio-input` sensors publishes to a broker in this process,
// and this script drives the inputs through sim_gpioK/pull, timing everything on the guest clock.
//   pi4: both edges and their latency (state mode, debounce 20 ms), pulses shorter than the
//        debounce, pulses while the agent is stopped (SIGSTOP), 1,000 pulses at 100/s on a
//        `counter` sensor (pulses.mjs, a process of its own),
//        and an output written through the agent's GPIO adapter read back from sim_gpioK/value;
//        all of it once with `hardware.gpio: sysfs` (onoff), then once with `cdev` (the character
//        device through our addon: every edge queued by the kernel, so the counts are exact).
//   pi5: the agent killed with SIGKILL leaves its line exported; the next run starts and sees edges
//        (sysfs: only sysfs leaves lines behind; the kernel releases a cdev line with its fd).
// Usage: node dist/hil/gpio-scenario.mjs pi4|pi5 BASE SIM_DIR   → /tmp/hil/gpio-<phase>.json
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOnoffGpio, ONOFF_SYSFS_ROOT } from '../../../src/hardware/gpio/onoff-gpio.js';
import { createRealGpio } from '../../../src/hardware/gpio/gpio-backend.js';
import type { GpioBackendSetting, GpioProvider } from '../../../src/hardware/gpio/gpio.js';
import { cleanupChildAgents, startChildAgent, writeConfig, type ChildAgent } from '../../helpers/child-agent.js';
import { guestAgentConfig, runScenario, sleep, startCapturingBroker, type CapturingBroker } from './kit.js';

const [phase = 'pi4', baseArg = '', simDir = ''] = process.argv.slice(2);
const base = Number(baseArg);
const DOOR_PIN = 17;
const METER_PIN = 27;
const OUTPUT_PIN = 22;
const DEBOUNCE_MS = 20;

const door = { id: 'door', driver: 'gpio-input', pin: DOOR_PIN, edge: 'both', debounce: `${DEBOUNCE_MS}ms`, interval: '10m' };
const meter = { id: 'meter', driver: 'gpio-input', pin: METER_PIN, mode: 'counter', edge: 'rising', debounce: 0, interval: '1s' };

/** Drives input `pin` of the sim chip; returns the guest time just before the write. */
function pull(pin: number, level: 0 | 1): number {
  const at = Date.now();
  writeFileSync(join(simDir, `sim_gpio${pin}`, 'pull'), level === 1 ? 'pull-up' : 'pull-down');
  return at;
}

const exported = (pin: number): boolean => existsSync(join(ONOFF_SYSFS_ROOT, `gpio${base + pin}`));

interface EdgeFigure {
  level: 0 | 1;
  /** reading.ts − pull write: when the agent saw the edge. */
  sampledMs: number;
  /** broker receipt − pull write: when the reading was published. */
  publishedMs: number;
}

async function edge(broker: CapturingBroker, pin: number, level: 0 | 1): Promise<EdgeFigure> {
  const from = broker.readings.length;
  const pulledAt = pull(pin, level);
  const reading = await broker.waitFor((candidate) => candidate.sensor === 'door' && candidate.v.level === level, 5_000, from);
  return { level, sampledMs: reading.ts - pulledAt, publishedMs: reading.receivedAt - pulledAt };
}

async function startAgent(broker: CapturingBroker, name: string, sensors: Array<Record<string, unknown>>, gpio: GpioBackendSetting = 'sysfs'): Promise<{ agent: ChildAgent; startMs: number }> {
  const dir = join('/tmp', `hil-gpio-${name}`);
  mkdirSync(dir, { recursive: true });
  const from = broker.readings.length;
  const startedAt = Date.now();
  const config = { ...guestAgentConfig(broker.url, dir, sensors), hardware: { gpio } };
  const agent = await startChildAgent(await writeConfig(dir, config), { startTimeoutMs: 60_000 });
  // The first reading of every sensor is taken at start: the lines are open once they arrive.
  for (const sensor of sensors) await broker.waitFor((reading) => reading.sensor === sensor.id, 60_000, from);
  return { agent, startMs: Date.now() - startedAt };
}

/** The meter's first reading sampled after `after` (guest clock). */
async function meterAfter(broker: CapturingBroker, after: number): Promise<Record<string, number>> {
  return (await broker.waitFor((candidate) => candidate.sensor === 'meter' && candidate.ts > after, 15_000)).v;
}

async function meterCountAfter(broker: CapturingBroker, after: number): Promise<number> {
  return (await meterAfter(broker, after)).count ?? Number.NaN;
}

/**
 * Pulses while the agent is stopped (SIGSTOP), then SIGCONT: the kernel's notification waits, but
 * the line is low again by the time onoff reads it. One pulse must count 1 (onoff's own level check
 * would drop it); several collapse into one notification, which sysfs cannot tell apart.
 */
async function pulsesWhileStopped(broker: CapturingBroker, agent: ChildAgent, pulses: number): Promise<number> {
  const before = await meterCountAfter(broker, Date.now());
  const pid = agent.child.pid as number;
  process.kill(pid, 'SIGSTOP');
  try {
    for (let pulse = 0; pulse < pulses; pulse += 1) {
      pull(METER_PIN, 1);
      await sleep(5);
      pull(METER_PIN, 0);
      await sleep(5);
    }
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  return (await meterCountAfter(broker, Date.now() + 500)) - before;
}

/**
 * The simulated chip's side of an edge: gpio-sim marks its interrupt pending and the kernel runs it
 * from irq_work; the character device then queues the event from its IRQ thread. If that thread
 * is on the other vCPU and the host does not run that vCPU for a pulse period (TCG on a loaded
 * host), the next edge finds the interrupt still pending and the two become one before any
 * sequence number is given (939 of 1,000 with 0 overflows, load average 12): a simulator
 * artefact, not the agent's. So the generator and the agent's IRQ threads share CPU 0: the
 * thread (SCHED_FIFO) runs right after each edge's write, as on a real controller, which latches
 * every edge. sysfs has no IRQ thread (its handler runs in hard IRQ context); only the generator
 * moves there.
 */
function pinToCpu0(): { irqThreads: string[] } {
  const irqThreads: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let comm: string;
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    // An IRQ thread is named irq/<irq>-<consumer> (cut to 15 characters): ours say sensor-agent.
    if (!/^irq\/\d+-sensor-a/.test(comm)) continue;
    execFileSync('taskset', ['-p', '-c', '0', pid], { stdio: 'ignore' });
    irqThreads.push(comm);
  }
  return { irqThreads };
}

async function pulseCounter(broker: CapturingBroker): Promise<Record<string, unknown>> {
  const countBefore = await meterCountAfter(broker, Date.now());
  const script = join(dirname(fileURLToPath(import.meta.url)), 'pulses.mjs');
  const pinned = pinToCpu0();
  const child = spawn('taskset', ['-c', '0', process.execPath, script, join(simDir, `sim_gpio${METER_PIN}`, 'pull'), '1000', '100'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`pulses.mjs exited ${code}`);
  const pulses = JSON.parse(output) as { endedAt: number; startedAt: number };
  // Every edge was seen once a counter reading sampled well after the last pulse has arrived.
  const settled = await meterAfter(broker, pulses.endedAt + 1_500);
  const during = broker.readings.filter((reading) => reading.sensor === 'meter' && reading.ts > pulses.startedAt + 1_000 && reading.ts < pulses.endedAt);
  // `overflows` (edges the kernel's event FIFO dropped) exists only on the character device.
  return { generator: pulses, count: (settled.count ?? Number.NaN) - countBefore, overflows: settled.overflows ?? null, pinned, ratesWhilePulsing: during.map((reading) => reading.v.rate) };
}

/**
 * Ten pulses meant to be shorter than the debounce, 200 ms apart; the readings each one caused.
 * A width is measured from before the pull-up to after the pull-down (an upper bound): on a busy
 * guest a pulse can come out longer than the debounce, and then it rightly publishes both edges.
 */
async function shortPulses(broker: CapturingBroker): Promise<Array<{ widthMs: number; readings: number }>> {
  const pulses: Array<{ widthMs: number; readings: number }> = [];
  for (let pulse = 0; pulse < 10; pulse += 1) {
    const from = broker.readings.length;
    const start = performance.now();
    pull(DOOR_PIN, 1);
    pull(DOOR_PIN, 0);
    const widthMs = Math.round((performance.now() - start) * 100) / 100;
    await sleep(200);
    pulses.push({ widthMs, readings: broker.readings.slice(from).filter((reading) => reading.sensor === 'door').length });
  }
  return pulses;
}

/** An output through the agent's own GPIO adapter (no driver writes outputs yet), read back from the sim. */
async function outputReadBack(gpio: GpioProvider = createOnoffGpio({ sysfsRoot: ONOFF_SYSFS_ROOT })): Promise<Record<string, unknown>> {
  const line = await gpio.open(OUTPUT_PIN, { direction: 'out' });
  const value = (): string => readFileSync(join(simDir, `sim_gpio${OUTPUT_PIN}`, 'value'), 'utf8').trim();
  const wasExported = exported(OUTPUT_PIN);
  await line.write(1);
  const high = value();
  await line.write(0);
  const low = value();
  await line.close();
  return { sysfsNumber: base + OUTPUT_PIN, wasExported, high, low, unexportedAfterClose: !exported(OUTPUT_PIN) };
}

/**
 * What both backends go through on the Pi 4 chip: door edges (`cycles` rises and falls), pulses
 * shorter than the debounce, pulses while the agent is stopped, and 1,000 pulses on the meter.
 */
async function exerciseInputs(broker: CapturingBroker, agent: ChildAgent, cycles: number): Promise<{ edges: EdgeFigure[]; debounce: Array<{ widthMs: number; readings: number }>; counter: Record<string, unknown> }> {
  const edges: EdgeFigure[] = [];
  for (let cycle = 0; cycle < cycles; cycle += 1) {
    edges.push(await edge(broker, DOOR_PIN, 1));
    await sleep(150);
    edges.push(await edge(broker, DOOR_PIN, 0));
    await sleep(150);
  }
  const debounce = await shortPulses(broker);
  const stalled = { onePulse: await pulsesWhileStopped(broker, agent, 1), threePulses: await pulsesWhileStopped(broker, agent, 3) };
  const counter = { ...(await pulseCounter(broker)), stalled };
  return { edges, debounce, counter };
}

async function pi4(broker: CapturingBroker): Promise<Record<string, unknown>> {
  pull(DOOR_PIN, 0);
  pull(METER_PIN, 0);
  const { agent, startMs } = await startAgent(broker, 'pi4', [door, meter]);
  try {
    const lines = { door: { sysfsNumber: base + DOOR_PIN, exported: exported(DOOR_PIN) }, meter: { sysfsNumber: base + METER_PIN, exported: exported(METER_PIN) } };
    const { edges, debounce, counter } = await exerciseInputs(broker, agent, 5);
    const output = await outputReadBack();
    const exitCode = await agent.stop(30_000);
    return { base, startMs, lines, edges, debounce, counter, output, exitCode, unexportedAfterStop: !exported(DOOR_PIN) && !exported(METER_PIN), cdev: await pi4Cdev(broker) };
  } finally {
    await agent.kill();
  }
}

/** The same on the character device: the agent with `hardware.gpio: cdev` on the same chip. */
async function pi4Cdev(broker: CapturingBroker): Promise<Record<string, unknown>> {
  pull(DOOR_PIN, 0);
  pull(METER_PIN, 0);
  // As if the last sysfs run had died holding the door line: the character device must get it.
  writeFileSync(join(ONOFF_SYSFS_ROOT, 'export'), String(base + DOOR_PIN));
  const leftover = exported(DOOR_PIN);
  const { agent, startMs } = await startAgent(broker, 'pi4-cdev', [door, meter], 'cdev');
  try {
    const backendLine = agent.logged('GPIO: character device').map((line) => line.msg);
    const sysfsLeftover = { exportedBeforeStart: leftover, warning: agent.logged('still exported in sysfs').map((line) => line.msg) };
    // A character-device line is requested from the chip, never exported in sysfs.
    const lines = { doorExported: exported(DOOR_PIN), meterExported: exported(METER_PIN) };
    const { edges, debounce, counter } = await exerciseInputs(broker, agent, 3);
    const output = await outputReadBack(createRealGpio({ setting: 'cdev', sysfsRoot: ONOFF_SYSFS_ROOT }));
    const exitCode = await agent.stop(30_000);
    return { startMs, backendLine, sysfsLeftover, lines, edges, debounce, counter, output, exitCode };
  } finally {
    await agent.kill();
  }
}

async function pi5(broker: CapturingBroker): Promise<Record<string, unknown>> {
  pull(DOOR_PIN, 0);
  const killed = await startAgent(broker, 'pi5-killed', [door]);
  const exportedByKilledRun = exported(DOOR_PIN);
  await killed.agent.kill();
  const leftExported = exported(DOOR_PIN);
  const next = await startAgent(broker, 'pi5', [door]);
  try {
    const edges = [await edge(broker, DOOR_PIN, 1), await edge(broker, DOOR_PIN, 0)];
    const status = await next.agent.status();
    const sensor = status.sensors.find((entry) => entry.id === 'door');
    const exitCode = await next.agent.stop(30_000);
    return { base, sysfsNumber: base + DOOR_PIN, exportedByKilledRun, leftExported, startMs: next.startMs, edges, door: { state: sensor?.state, lastError: sensor?.lastError, failures: sensor?.failures }, exitCode };
  } finally {
    await next.agent.kill();
  }
}

await runScenario(`gpio-${phase}.json`, async () => {
  if (!Number.isInteger(base) || !simDir) throw new Error('usage: gpio-scenario.mjs pi4|pi5 BASE SIM_DIR');
  const broker = await startCapturingBroker();
  try {
    return phase === 'pi5' ? await pi5(broker) : await pi4(broker);
  } finally {
    await broker.stop();
  }
});
await cleanupChildAgents();
