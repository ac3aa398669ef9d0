// End to end on a real kernel: the agent in the guest publishes to a broker on the host's loopback
// through qemu's user-mode network (the host is 10.0.2.2 inside), the power is cut in the middle,
// and after the next boot on the same disk every seq up to the last one that survived the cut
// (the lastSeq the agent recovers: at least everything synced) reaches the subscriber. Seqs that
// were published but did not survive the cut are handed out again, in epoch 1 (a new boot after an
// unclean stop): (epoch, seq) names one reading, whatever arrived twice.
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { rm } from 'node:fs/promises';
import { freePort, startAedes, type TestBroker } from '../helpers/broker.js';
import { missingSeqs, startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { hilSkipReason, makeExt4Image, startGuest, stopAllGuests, type Guest } from './helpers/guest.js';
import { GUEST_STATUS_PORT, guestAgentConfig, parseBufferOpen, storeScript, watchAccepted } from './helpers/agent-in-guest.js';
import { recordHilResult } from '../helpers/results.js';

const skip = hilSkipReason();

describe.skipIf(skip !== null)(`end to end on a real kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const disk = join(tmpdir(), `hil-e2e-${process.pid}.img`);
  let broker: TestBroker | null = null;
  let subscriber: Subscriber | null = null;
  const guests: Guest[] = [];
  afterAll(async () => {
    await stopAllGuests();
    for (const guest of guests) await guest.cleanup();
    await subscriber?.stop();
    await broker?.stop();
    await rm(disk, { force: true });
  });

  it('delivers every seq up to the last synced one through a power cut in the middle, and (epoch, seq) stays unique', async () => {
    await makeExt4Image(disk, 128);
    broker = await startAedes();
    subscriber = await startSubscriber(broker.url);
    const config = guestAgentConfig({
      mqttUrl: `mqtt://10.0.2.2:${broker.port}`,
      commitInterval: '1s',
      qos: 1,
      sensors: [{ id: 'load', driver: 'simulated', interval: '100ms', signal: 'counter', burst: 10, decimals: 0 }],
    });
    const boot = async (): Promise<{ guest: Guest; hostPort: number }> => {
      const hostPort = await freePort();
      const guest = await startGuest({ disk, hold: true, forwards: [{ hostPort, guestPort: GUEST_STATUS_PORT }], files: { 'agent.json': config }, script: storeScript({ check: false, agent: true }), timeoutMs: 240_000 });
      guests.push(guest);
      return { guest, hostPort };
    };

    // First life: publish through the user-mode network, then the power is cut mid-stream.
    const first = await boot();
    await first.guest.waitForLine(/^hil-held/, 120_000);
    await first.guest.release();
    const second = boot(); // boots, held, while the first one runs
    const watcher = watchAccepted(first.hostPort);
    await subscriber.waitFor(() => subscriber!.readings.length >= 50, 120_000, '50 readings from the guest');
    const cutAfterMs = 1000 + Math.round(Math.random() * 2000);
    await new Promise((resolve) => setTimeout(resolve, cutAfterMs));
    await first.guest.powerCut();
    const reportedBeforeCut = watcher.lastReported();
    watcher.stop();
    const receivedBeforeCut = subscriber.seqs();
    const maxReceivedBeforeCut = Math.max(...receivedBeforeCut);
    const tsBeforeCut = new Map(subscriber.readings.map((reading) => [reading.seq, reading.ts]));
    const receivedCountBeforeCut = subscriber.readings.length;

    // Second life on the same disk: what survived is sent again from the store.
    const { guest } = await second;
    await guest.waitForLine(/^hil-held/, 120_000);
    await guest.release();
    const opened = parseBufferOpen(await guest.waitForLine(/"msg":"buffer open"/, 120_000));
    
    try {
      await subscriber.waitForAll(opened.lastSeq, 120_000);
    } catch {
      // Reported below with the missing seqs.
    }
    const missing = missingSeqs(subscriber.seqs(), opened.lastSeq);
    // And it goes on past the cut with new readings.
    await subscriber.waitFor(() => Math.max(...subscriber!.seqs()) > Math.max(opened.lastSeq, maxReceivedBeforeCut) + 20, 120_000, 'new readings after the restart');
    await guest.powerCut();

    // Seqs delivered before the cut that did not survive it are given to new readings: the same seq
    // arrives twice with different sampling times, the second time in epoch 1.
    const reusedReadings = subscriber.readings.filter((reading) => tsBeforeCut.has(reading.seq) && tsBeforeCut.get(reading.seq) !== reading.ts);
    const reused = [...new Set(reusedReadings.map((reading) => reading.seq))];
    // (epoch, seq) names one reading: every copy of it has the same sampling time and values.
    const byIdentity = new Map<string, Set<string>>();
    for (const reading of subscriber.readings) {
      const key = `${reading.epoch}:${reading.seq}`;
      const copies = byIdentity.get(key) ?? new Set<string>();
      copies.add(`${reading.ts} ${JSON.stringify(reading.v)}`);
      byIdentity.set(key, copies);
    }
    const conflicts = [...byIdentity].filter(([, copies]) => copies.size > 1).map(([key]) => key);
    const epochsBeforeCut = [...new Set(subscriber.readings.slice(0, receivedCountBeforeCut).map((reading) => reading.epoch))];
    recordHilResult({
      scenario: 'hil-end-to-end',
      promise: 'Through a power cut, every seq up to the last synced one reaches the broker on the host (qemu user-mode network), and seqs handed out again after the cut carry epoch 1: (epoch, seq) stays unique.',
      ok: missing.length === 0 && conflicts.length === 0 && opened.epoch === 1 && reusedReadings.every((reading) => reading.epoch === 1),
      accepted: reportedBeforeCut,
      delivered: subscriber.seqs().size,
      lost: missing.length,
      duplicates: subscriber.readings.length - byIdentity.size,
      receivedBeforeCut: receivedBeforeCut.size,
      maxReceivedBeforeCut,
      reportedAcceptedBeforeCut: reportedBeforeCut,
      recoveredLastSeq: opened.lastSeq,
      epochAfterCut: opened.epoch,
      epochsBeforeCut,
      identityConflicts: conflicts.slice(0, 20),
      missingUpToRecovered: missing.slice(0, 20),
      seqsReusedAfterCut: reused.length,
      reusedRange: reused.length > 0 ? [Math.min(...reused), Math.max(...reused)] : null,
      reusedEpochs: [...new Set(reusedReadings.map((reading) => reading.epoch))],
      cutAfterMs,
    });
    expect(missing).toEqual([]);
    expect(epochsBeforeCut).toEqual([0]);
    expect(opened.epoch).toBe(1);
    expect(conflicts).toEqual([]);
    expect(reusedReadings.filter((reading) => reading.epoch !== 1)).toEqual([]);
  });
});
