// Time quality on a real kernel. The guest boots with its real-time clock in 2020 (qemu's
// `-rtc base=`), as a Pi without an RTC boots at fake-hwclock's last shutdown; its kernel's
// adjtimex status says STA_UNSYNC. The built agent reads that through its own clock source (the
// real `systemClockSource`: no timesyncd flag in the guest's /run, timedatectl has no D-Bus to ask,
// so busybox's adjtimex applet answers) and marks what it takes. The link to the broker is cut, so
// the readings wait in the buffer. Then the clock is set (`date -s`, a real step of years) and the
// kernel told it is synchronized (adjtimex(2) clearing STA_UNSYNC, as an NTP client does). When the
// link comes back, the readings taken before arrive "corrected" with their true time, the later
// ones unmarked, every seq once and in order, the step logged once, the birth "synchronized".
// doctor, run while the clock is wrong, says so.
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startAedes, type AedesBroker } from '../helpers/broker.js';
import { untilValue } from '../helpers/poll.js';
import { missingSeqs, startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { hilSkipReason, startGuest, stopAllGuests, type Guest } from './helpers/guest.js';
import { GUEST_STATUS_PORT, guestAgentConfig } from './helpers/agent-in-guest.js';
import { recordHilResult } from '../helpers/results.js';

const skip = hilSkipReason();
const RTC_BASE = '2020-06-01T12:00:00';
const STA_UNSYNC = 0x40;

interface GuestStatus {
  clock: { synchronized: boolean | null; source: string; steps: number; lastStep: { byMs: number } | null };
  buffer: { lastSeq: number };
}

async function status(port: number): Promise<GuestStatus | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/status.json`);
    return response.ok ? ((await response.json()) as GuestStatus) : null;
  } catch {
    return null;
  }
}

async function waitForStatus(port: number, predicate: (seen: GuestStatus) => boolean, what: string, timeoutMs = 120_000): Promise<GuestStatus> {
  return (await untilValue(() => status(port), (seen) => seen !== null && predicate(seen), timeoutMs, what, 250))!;
}

/** Every reading the agent reports accepted on its status WebSocket: its ts as taken, and when the host heard of it. */
function watchTaken(port: number): { taken: Map<number, { ts: number; hostAt: number }>; stop(): void } {
  const taken = new Map<number, { ts: number; hostAt: number }>();
  let stopped = false;
  let socket: WebSocket | null = null;
  const connect = (): void => {
    if (stopped) return;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    socket = ws;
    ws.on('open', () => ws.send(JSON.stringify({ subscribe: 'readings' })));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type?: string; data?: { seq: number; ts: number } };
      if (message.type === 'reading' && message.data && !taken.has(message.data.seq)) taken.set(message.data.seq, { ts: message.data.ts, hostAt: Date.now() });
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (!stopped) setTimeout(connect, 200);
    });
  };
  connect();
  return {
    taken,
    stop: () => {
      stopped = true;
      socket?.terminate();
    },
  };
}

const busybox = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();

describe.skipIf(skip !== null)(`time quality on a real kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let broker: AedesBroker | null = null;
  let proxy: TcpProxy | null = null;
  let subscriber: Subscriber | null = null;
  let guest: Guest | null = null;
  let watcher: ReturnType<typeof watchTaken> | null = null;
  afterAll(async () => {
    watcher?.stop();
    await stopAllGuests();
    await guest?.cleanup();
    await subscriber?.stop();
    await proxy?.stop();
    await broker?.stop();
  });

  it('readings taken before the clock was set arrive marked corrected with their true time', async () => {
    broker = await startAedes();
    proxy = await startTcpProxy(broker.port);
    proxy.cut();
    subscriber = await startSubscriber(broker.url);
    const hostPort = await freePort();
    const config = JSON.parse(guestAgentConfig({ mqttUrl: `mqtt://10.0.2.2:${proxy.port}`, commitInterval: '1s', sensors: [{ id: 'room', driver: 'simulated', interval: '500ms', signal: 'counter', decimals: 0 }] })) as { store: { path: string } };
    config.store.path = '/tmp/clock-store/buffer'; // the guest's tmpfs: no disk needed here
    const kernelStatusWord = "$(adjtimex | awk '/status:/ { print $2 }')"; // busybox: `status:  64 (UNSYNC)`
    const script = [
      'set -e',
      'mkdir -p /tmp/clock-store',
      // busybox's applet is the guest's adjtimex: the agent's clock source asks it, and so does this script.
      `ln -s '${busybox}' /tmp/hil-bin/adjtimex`,
      `echo "hil-clock-boot $(date +%s) ${kernelStatusWord}"`,
      'node dist/sensor-agent.js run --config /tmp/hil/agent.json > /tmp/hil/agent.log 2>&1 &',
      'agent=$!',
      // doctor beside it, on the same kernel state (its store check fails: the agent holds the lock).
      '(node dist/sensor-agent.js doctor --config /tmp/hil/agent.json > /tmp/hil/doctor.txt 2>&1 || true) &',
      'doctor=$!',
      'wait $doctor',
      'echo hil-clock-doctor-done',
      'while [ ! -e /tmp/hil/set-clock ]; do sleep 0.05; done',
      'date -s "@$(cat /tmp/hil/set-clock)" > /dev/null',
      'python3 test/hil/guest/adjtimex-synced.py',
      `echo "hil-clock-set $(date +%s%3N) ${kernelStatusWord}"`,
      'while [ ! -e /tmp/hil/stop ]; do sleep 0.1; done',
      'kill -TERM $agent',
      'wait $agent || true',
      'echo hil-clock-done',
      '',
    ].join('\n');
    guest = await startGuest({ rtcBase: RTC_BASE, files: { 'agent.json': JSON.stringify(config) }, script, forwards: [{ hostPort, guestPort: GUEST_STATUS_PORT }], timeoutMs: 280_000 });
    const bootLine = await guest.waitForLine(/^hil-clock-boot/, 120_000);
    const [, guestEpoch, kernelStatus] = bootLine.trim().split(/\s+/);
    expect(new Date(Number(guestEpoch) * 1000).getUTCFullYear()).toBe(2020);
    expect(Number(kernelStatus) & STA_UNSYNC).toBe(STA_UNSYNC);

    watcher = watchTaken(hostPort);
    await guest.waitForLine(/^hil-clock-doctor-done/, 120_000);
    const before = await waitForStatus(hostPort, (seen) => seen.buffer.lastSeq >= 5, 'five readings waiting');
    expect(before.clock).toMatchObject({ synchronized: false, source: 'kernel (adjtimex)', steps: 0 });
    const setAt = Date.now();
    await writeFile(join(guest.resultsDir, 'set-clock'), (setAt / 1000).toFixed(3));
    const setLine = await guest.waitForLine(/^hil-clock-set/, 60_000);
    const setLineAt = Date.now();
    const [, guestMsAfterSet, statusAfterSet] = setLine.trim().split(/\s+/);
    expect(Number(statusAfterSet) & STA_UNSYNC).toBe(0);
    const synced = await waitForStatus(hostPort, (seen) => seen.clock.synchronized === true, 'the agent seeing the synchronized clock', 60_000);
    const syncSeenAt = Date.now();
    expect(synced.clock).toMatchObject({ source: 'kernel (adjtimex)', steps: 1 });
    const after = await waitForStatus(hostPort, (seen) => seen.buffer.lastSeq >= synced.buffer.lastSeq + 4, 'readings after the sync', 60_000);
    const lastSeq = after.buffer.lastSeq;

    proxy.restore();
    await subscriber.waitForAll(lastSeq, 120_000);
    await subscriber.waitFor(() => subscriber!.statuses.some((birth) => birth.state === 'online'), 30_000, 'the birth message');
    const readings = subscriber.readings.filter((reading) => reading.seq <= lastSeq);
    const taken = watcher.taken;

    // The mark splits the seqs in two: 1..boundary corrected, the rest unmarked. Every reading taken
    // before the clock was set is on the corrected side; none after the agent saw the sync is.
    const boundary = Math.max(0, ...readings.filter((reading) => reading.clock !== undefined).map((reading) => reading.seq));
    const wronglyMarked = readings.filter((reading) => (reading.seq <= boundary ? reading.clock !== 'corrected' : reading.clock !== undefined));
    const takenIn2020 = [...taken].filter(([seq, { ts }]) => seq <= lastSeq && new Date(ts).getUTCFullYear() === 2020).map(([seq]) => seq);
    // What the WebSocket saw of the readings taken before the clock was set (it may have connected after the first ones).
    const takenBeforeSet = [...taken].filter(([seq]) => seq <= before.buffer.lastSeq);
    // True time: the host heard of each reading on the status WebSocket shortly after it was taken;
    // the guest's clock was set from the host's to within the time the set took (setClockErrorMs).
    const errors = readings.filter((reading) => taken.has(reading.seq)).map((reading) => taken.get(reading.seq)!.hostAt - reading.ts);
    const correctedErrors = readings.filter((reading) => reading.clock === 'corrected' && taken.has(reading.seq)).map((reading) => taken.get(reading.seq)!.hostAt - reading.ts);
    // Those taken in 2020 were moved by what the clock stepped (the agent's offset of this boot).
    const from2020 = readings.filter((reading) => takenIn2020.includes(reading.seq));
    const corrections = from2020.map((reading) => reading.ts - taken.get(reading.seq)!.ts);
    const order = subscriber.readings.map((reading) => reading.seq);

    await writeFile(join(guest.resultsDir, 'stop'), '');
    await guest.waitForLine(/^hil-clock-done/, 60_000);
    const result = await guest.done;
    const log = await readFile(join(guest.resultsDir, 'agent.log'), 'utf8');
    const stepLines = log.split('\n').filter((line) => line.includes('system clock stepped'));
    const stepByMs = stepLines.length > 0 ? (JSON.parse(stepLines[0]!) as { byMs: number }).byMs : null;
    const correctionMinusStep = stepByMs === null ? [] : corrections.map((correction) => correction - stepByMs);
    const birth = subscriber.statuses.filter((message) => message.state === 'online').at(-1);
    const doctorClock = (await readFile(join(guest.resultsDir, 'doctor.txt'), 'utf8')).split('\n').find((line) => line.includes(' system clock ')) ?? null;

    recordHilResult({
      scenario: 'hil-clock',
      promise: `Booted with its RTC at ${RTC_BASE} (qemu -rtc base=), the agent reads STA_UNSYNC through its own clock source and marks its readings; those still waiting when the clock is set and synchronized arrive "corrected" with their true time, the later ones unmarked, every seq once and in order, the step logged once.`,
      ok: wronglyMarked.length === 0 && missingSeqs(subscriber.seqs(), lastSeq).length === 0 && stepLines.length === 1,
      bootYear: new Date(Number(guestEpoch) * 1000).getUTCFullYear(),
      kernelStatusAtBoot: Number(kernelStatus),
      kernelStatusAfterSet: Number(statusAfterSet),
      agentSource: synced.clock.source,
      readings: readings.length,
      takenBeforeSet: before.buffer.lastSeq,
      takenIn2020: takenIn2020.length,
      corrected: readings.filter((reading) => reading.clock === 'corrected').length,
      unmarkedAfterSync: readings.filter((reading) => reading.clock === undefined).length,
      wronglyMarked: wronglyMarked.slice(0, 10).map((reading) => `${reading.seq}:${reading.clock ?? 'none'}`),
      correctedFrom2020: from2020.filter((reading) => reading.clock === 'corrected').length,
      correctionMinusStepMs: correctionMinusStep.length > 0 ? { min: Math.min(...correctionMinusStep), max: Math.max(...correctionMinusStep) } : null,
      correctedTsErrorMs: correctedErrors.length > 0 ? { min: Math.min(...correctedErrors), max: Math.max(...correctedErrors) } : null,
      tsErrorMs: errors.length > 0 ? { min: Math.min(...errors), max: Math.max(...errors) } : null,
      setClockErrorMs: setLineAt - Number(guestMsAfterSet),
      syncSeenAfterMs: syncSeenAt - setAt,
      stepS: stepByMs === null ? null : Math.round(stepByMs / 1000),
      stepLogLines: stepLines.length,
      birthClock: birth?.clock ?? null,
      doctorClock,
      guestTotalMs: result.totalMs,
    });

    expect(result.exitCode).toBe(0);
    expect(missingSeqs(subscriber.seqs(), lastSeq)).toEqual([]);
    expect(order).toEqual([...order].sort((a, b) => a - b)); // one publisher, one topic, QoS 1: in order
    expect(wronglyMarked).toEqual([]);
    expect(boundary).toBeGreaterThanOrEqual(before.buffer.lastSeq);
    expect(boundary).toBeLessThanOrEqual(synced.buffer.lastSeq);
    expect(boundary).toBeLessThan(lastSeq);
    // Taken in 2020 (what the wall clock said), published in the host's present.
    expect(takenBeforeSet.length).toBeGreaterThan(0);
    expect(takenBeforeSet.filter(([, { ts }]) => new Date(ts).getUTCFullYear() !== 2020)).toEqual([]);
    expect(takenIn2020.every((seq) => seq <= boundary)).toBe(true);
    expect(from2020.filter((reading) => reading.clock !== 'corrected')).toEqual([]);
    expect(Math.max(...correctionMinusStep.map(Math.abs))).toBeLessThan(1000);
    // Sampling to the host's hearing of it, plus the clock's setting error: seconds, not years.
    expect(errors.length).toBeGreaterThan(0);
    expect(Math.max(...errors.map(Math.abs))).toBeLessThan(5000);
    expect(stepLines).toHaveLength(1);
    expect(stepByMs).toBeGreaterThan(5 * 365 * 86_400_000);
    expect(birth?.clock).toBe('synchronized');
    expect(doctorClock).toMatch(/^warn {2}system clock is not synchronized, says kernel \(adjtimex\); it shows 2020-/);
  });
});
