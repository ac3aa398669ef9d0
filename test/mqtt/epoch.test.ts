// Epochs on the wire (issue 9): after a power cut the store hands out seqs again in a new epoch.
// Readings left in the store go out with the epoch they were accepted in (absent for 0), new ones
// with the new epoch; a batch never mixes two; the birth message says the epoch and the lastSeq.
// The unclean stop is a real child process killed with SIGKILL; the reboot a new boot id file.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RawReading } from '../../src/buffer/types.js';
import { OpenBatches } from '../../src/mqtt/open-batches.js';
import { startAedes, type TestBroker } from '../helpers/broker.js';
import { appendAndKill } from '../helpers/killed-run.js';
import { startPublisherRig, until, type PublisherRig } from '../helpers/publisher-rig.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { startRawSubscriber, type RawSubscriber } from '../helpers/raw-subscriber.js';

describe('publishing across a power cut', () => {
  let broker: TestBroker;
  let temp: { path: string; cleanup(): Promise<void> };
  let rig: PublisherRig | null = null;
  let subscriber: Subscriber | null = null;
  let raw: RawSubscriber | null = null;
  let storePath: string;
  let bootIdPath: string;

  beforeEach(async () => {
    broker = await startAedes();
    temp = await makeTempDir('epoch-publish-');
    storePath = join(temp.path, 'buffer');
    bootIdPath = join(temp.path, 'boot_id');
    // 20 readings accepted offline in boot A, then the power goes: the next boot is B.
    await writeFile(bootIdPath, 'boot-a\n');
    expect(await appendAndKill(storePath, bootIdPath, 20)).toEqual({ lastSeq: 20, epoch: 0 });
    await writeFile(bootIdPath, 'boot-b\n');
  });

  afterEach(async () => {
    await rig?.stop();
    rig = null;
    await subscriber?.stop();
    subscriber = null;
    await raw?.stop();
    raw = null;
    await broker.stop();
    await temp.cleanup();
  });

  it('sends the readings of epoch 0 left in the store without an epoch, the new ones with "epoch":1, and says both in the birth message', async () => {
    subscriber = await startSubscriber(broker.url);
    rig = await startPublisherRig({ brokerUrl: broker.url, storePath, bootIdPath });
    expect(rig.buffer.stats()).toMatchObject({ lastSeq: 20, epoch: 1 });
    await rig.waitConnected();
    const lastSeq = await rig.appendBurst(10);
    expect(lastSeq).toBe(30);
    await subscriber.waitFor(() => subscriber!.seqs().size >= 30, 10_000, 'seqs 1 to 30');

    const epochBySeq = new Map(subscriber.readings.map((reading) => [reading.seq, reading.epoch]));
    expect([...epochBySeq.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (let seq = 1; seq <= 30; seq++) expect(epochBySeq.get(seq), `seq ${seq}`).toBe(seq <= 20 ? 0 : 1);
    await subscriber.waitFor(() => subscriber!.statuses.some((status) => status.state === 'online'), 10_000, 'the birth message');
    expect(subscriber.statuses.find((status) => status.state === 'online')).toMatchObject({ epoch: 1, lastSeq: 20 });
  });

  it('closes an open batch at the epoch boundary: a batch payload has one epoch', async () => {
    raw = await startRawSubscriber(broker.url);
    // 15 per batch, no closing by time: without the boundary, 16-20 and 21-25 would share a batch.
    rig = await startPublisherRig({ brokerUrl: broker.url, storePath, bootIdPath, batch: { maxReadings: 15, maxDelayMs: 60_000 } });
    await rig.waitConnected();
    expect(await rig.appendBurst(25)).toBe(45);
    await until(() => raw!.seqs().length >= 35, 10_000, 'seqs 1 to 35');

    const seqs = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    expect(raw.messages.map((message) => ({ epoch: message.body.epoch, seqs: message.seqs }))).toEqual([
      { epoch: undefined, seqs: seqs(1, 15) },
      { epoch: undefined, seqs: seqs(16, 20) },
      { epoch: 1, seqs: seqs(21, 35) },
    ]);
  });
});

describe('OpenBatches and epochs', () => {
  const reading = (seq: number, epoch?: number): RawReading => ({ seq, sensor: 's', tsJson: String(seq), valuesJson: '{}', ...(epoch === undefined ? {} : { epoch }) });

  it('closes the open batch of a sensor when a reading of another epoch arrives', () => {
    const closed: number[][] = [];
    const batches = new OpenBatches({ maxReadings: 10, maxDelayMs: 60_000 }, (readings) => closed.push(readings.map((r) => r.seq)));
    batches.add(reading(1));
    batches.add(reading(2, 0));
    batches.add(reading(3, 1));
    batches.add(reading(4, 1));
    expect(closed).toEqual([[1, 2]]);
    batches.closeAll();
    expect(closed).toEqual([[1, 2], [3, 4]]);
  });
});
