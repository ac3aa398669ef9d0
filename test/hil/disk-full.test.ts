// A full disk on a real kernel (issue 14): the agent's store on the guest's ext4 virtio disk beside
// a filler, keepFree 0 and no broker; once the agent holds a backlog, the filler takes every free
// block (another program's log that grew) and ext4 answers ENOSPC. Then the broker appears (a TCP
// proxy on the host is restored): every reading accepted before the disk filled must arrive, the
// store gives its space back, and new readings flow, without a restart. The fast fault suite does the same on tmpfs (test/faults/disk-limits).
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { rm, statfs } from 'node:fs/promises';
import { freePort, startAedes, type TestBroker } from '../helpers/broker.js';
import { untilValue } from '../helpers/poll.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { hilSkipReason, makeExt4Image, startGuest, stopAllGuests, type Guest } from './helpers/guest.js';
import { GUEST_STATUS_PORT, GUEST_STORE_MOUNT, guestAgentConfig } from './helpers/agent-in-guest.js';
import { recordHilResult } from '../helpers/results.js';
import type { StatusSnapshot } from '../../src/status/status-hub.js';

const skip = hilSkipReason();
/** Left free beside the filler at first: the agent's 2 MiB reserve and room for its backlog. */
const LEFT_FREE_KB = 6 * 1024;
/** The agent's start and about 40,000 readings under TCG; then the filler takes the rest. */
const FILL_AFTER_S = 60;

describe.skipIf(skip !== null)(`a full disk on a real kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const disk = join(tmpdir(), `hil-disk-full-${process.pid}.img`);
  let broker: TestBroker | null = null;
  let proxy: TcpProxy | null = null;
  let subscriber: Subscriber | null = null;
  let guest: Guest | null = null;
  afterAll(async () => {
    await stopAllGuests();
    await guest?.cleanup();
    await subscriber?.stop();
    await proxy?.stop();
    await broker?.stop();
    await rm(disk, { force: true });
  });

  it('drains a backlog on an ext4 disk another writer filled, gives the space back and takes new readings, no restart', async () => {
    await makeExt4Image(disk, 32, { allocated: true });
    broker = await startAedes();
    subscriber = await startSubscriber(broker.url);
    proxy = await startTcpProxy(broker.port);
    proxy.cut();
    const config = guestAgentConfig({
      mqttUrl: `mqtt://10.0.2.2:${proxy.port}`,
      commitInterval: '1s',
      qos: 1,
      store: { keepFree: 0, maxBytes: '1GB', overflow: 'drop-oldest' },
      // Random values: LevelDB's compression cannot stretch the few MB much.
      sensors: [{ id: 'load', driver: 'simulated', interval: '20ms', signal: 'random', burst: 20, decimals: 3 }],
    });
    const hostPort = await freePort();
    const script = [
      'set -e',
      `hil_mount_store ${GUEST_STORE_MOUNT}`,
      // Another writer took most of it: all but LEFT_FREE_KB of the file system.
      `avail=$(df -k --output=avail ${GUEST_STORE_MOUNT} | tail -1)`,
      `dd if=/dev/zero of=${GUEST_STORE_MOUNT}/filler bs=1024 count=$((avail - ${LEFT_FREE_KB})) 2>/dev/null`,
      'sync',
      `echo "hil-free $(df -k --output=avail ${GUEST_STORE_MOUNT} | tail -1)"`,
      'node dist/sensor-agent.js run --config /tmp/hil/agent.json 2>&1 | cat &',
      // Once the agent holds a backlog, the other writer takes the rest (a log that grew): ENOSPC.
      `sleep ${FILL_AFTER_S}`,
      `dd if=/dev/zero of=${GUEST_STORE_MOUNT}/filler bs=4096 oflag=append conv=notrunc 2>/dev/null || true`,
      'echo hil-filled',
      'wait',
      '',
    ].join('\n');
    guest = await startGuest({ disk, forwards: [{ hostPort, guestPort: GUEST_STATUS_PORT }], files: { 'agent.json': config }, script, timeoutMs: 840_000 });
    const status = async (): Promise<StatusSnapshot | null> => {
      try {
        // Bounded: a guest too busy to answer would otherwise hold the connection (hostfwd accepts it)
        // until undici's 300 s header timeout, and the phase bounds below would mean nothing.
        return (await (await fetch(`http://127.0.0.1:${hostPort}/status.json`, { signal: AbortSignal.timeout(5000) })).json()) as StatusSnapshot;
      } catch {
        return null;
      }
    };
    const consoleTail = (): string => guest!.lines.slice(-30).join('\n');
    /** The host's free space beside the image (a guest's disk lives there), MB. */
    const hostFreeMb = async (): Promise<number> => {
      const fs = await statfs(tmpdir());
      return Math.round((fs.bavail * fs.bsize) / 1e6);
    };
    const waitForStatus = async (predicate: (s: StatusSnapshot) => boolean, timeoutMs: number, what: string): Promise<StatusSnapshot> =>
      (await untilValue(status, (s) => s !== null && predicate(s), timeoutMs, what, 250))!;
    // Each phase is logged as it is reached, so a slow run says which phase was slow.
    const phaseAt = Date.now();
    const reached = (phase: string): void => console.log(`hil-disk-full: ${phase} after ${Date.now() - phaseAt} ms`);
    const freeAtStartKb = Number((await guest.waitForLine(/^hil-free /, 180_000)).trim().split(/\s+/)[1]);
    reached(`the agent started (${freeAtStartKb} KiB free)`);
    const startedAt = Date.now();
    await waitForStatus((s) => s.buffer.capSetBy === 'disk full', 240_000, 'the disk to fill').catch(async (error: unknown) => {
      console.log(`hil-disk-full: the disk did not fill (host ${await hostFreeMb()} MB free); last console lines:\n${consoleTail()}`);
      throw error;
    });
    const fullAfterMs = Date.now() - startedAt;
    reached('the disk full');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const atWindow = (await status())!;
    const window = atWindow.buffer.lastSeq;
    // Readings refused on the full disk took no seq; a failed write's readings did (counted).
    const seqDrops = atWindow.buffer.dropped - (atWindow.buffer.refused ?? 0);
    const kept = window - seqDrops;

    proxy.restore();
    const brokerAt = Date.now();
    const upTo = (): number => [...subscriber!.seqs()].filter((seq) => seq <= window).length;
    let deliveredMs: number | null = null;
    // A phase that runs out of time is recorded with the agent's status then, and the test goes on
    // to record the figures (the expectations below fail on it), instead of the whole test timing out.
    const stuck: Array<{ phase: string; afterMs: number; status: unknown }> = [];
    const noteStuck = async (phase: string): Promise<void> => {
      const now = await status();
      stuck.push({ phase, afterMs: Date.now() - brokerAt, status: now === null ? null : { mqtt: { connected: now.mqtt.connected, lastError: now.mqtt.lastError, reconnects: now.mqtt.reconnects }, buffer: now.buffer } });
      console.log(`hil-disk-full: ${phase} not reached (host ${await hostFreeMb()} MB free); agent status: ${JSON.stringify(stuck.at(-1)?.status)}; last console lines:\n${consoleTail()}`);
    };
    await subscriber
      .waitFor(() => upTo() >= kept, 180_000, `${kept} kept readings`)
      .then(() => {
        deliveredMs = Date.now() - brokerAt;
        reached('the kept readings delivered');
      })
      .catch(() => noteStuck(`${kept} kept readings delivered (${upTo()} so far)`));
    const resumed = await waitForStatus((s) => s.buffer.capSetBy !== 'disk full' && !s.buffer.writeFailing, 120_000, 'writes accepted again').catch(async () => {
      await noteStuck('writes accepted again');
      return null;
    });
    const resumedMs = resumed === null ? null : Date.now() - brokerAt;
    let newFlowMs: number | null = null;
    await subscriber
      .waitFor(() => [...subscriber!.seqs()].some((seq) => seq > window), 60_000, 'a reading accepted after the disk was full')
      .then(() => {
        newFlowMs = Date.now() - brokerAt;
        reached('new readings flowing');
      })
      .catch(() => noteStuck('a reading accepted after the disk was full'));
    const after = await status();
    await guest.powerCut();
    const delivered = upTo();
    recordHilResult({
      scenario: 'hil-disk-full',
      promise: 'On ext4 on a real kernel, a disk that another writer fills while the agent holds a backlog (keepFree 0) stays readable and deletable: when the broker appears every accepted reading arrives, the space returns and new readings flow, without a restart.',
      freeAtStartKb,
      fullAfterMs,
      lastSeqAtFull: window,
      accepted: kept,
      delivered,
      lost: Math.max(0, kept - delivered),
      droppedWithSeq: seqDrops,
      refused: atWindow.buffer.refused ?? null,
      deliveredMs,
      resumedMs,
      newReadingsFlowMs: newFlowMs,
      freeBytesAfter: after?.buffer.freeBytes ?? null,
      reserveHeldAfter: after?.buffer.reserveHeld ?? null,
      hostFreeMb: await hostFreeMb(),
      ...(stuck.length > 0 ? { stuck } : {}),
    });
    expect(kept).toBeGreaterThan(1000);
    expect(delivered).toBeGreaterThanOrEqual(kept);
    expect(resumed).not.toBeNull();
    expect(newFlowMs).not.toBeNull();
  }, 900_000); // the sum of the phases' own bounds (boot 180 s, fill 240 s, 180 + 120 + 60 s after the broker), so a slow phase is the one reported
});
