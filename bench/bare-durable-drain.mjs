// The durable floor of the drain: the bare MQTT.js loop of bare-drain.mjs, but its readings come
// from the same prefilled LevelDB store the agent drains and leave it as the agent's do: an
// iterator read from a cursor per READ readings (the agent's live lane reads ahead 512 at a time,
// drain.ts), and once acked (QoS 0: written) a delete of the key in one db.batch per DELETE_BATCH
// acks or per 10 ms, with a meta record put beside them (ack-batcher.ts, batch-writer.ts). No
// queue state, no events, no status: what durability costs with these libraries, and nothing else.
// Prints {"ms":..,"firstAckMs":..,"rssMax":..,"cpuMs":..,"drained":..}.
// Usage: node bench/bare-durable-drain.mjs URL QOS COUNT WINDOW TOPIC STORE_PATH
import { performance } from 'node:perf_hooks';
import { ClassicLevel } from 'classic-level';
import mqtt from 'mqtt';

const READ = 512;
const DELETE_BATCH = 512;
const DELETE_MS = 10;

const [url, qosText, countText, windowText, topic, storePath] = process.argv.slice(2);
const qos = Number(qosText);
const count = Number(countText);
const window = Number(windowText);
const db = new ClassicLevel(storePath, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
await db.open();
const client = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, clean: true });
const started = performance.now();
const cpuStarted = process.cpuUsage();
let acked = 0;
let deleted = 0;
let inflight = 0;
let firstAckMs = -1;
let rssMax = 0;
let cursor = 'r';
let queued = [];
let head = 0;
let reading = false;
let exhausted = false;
let deletes = [];
let deleting = null;
let deleteTimer = null;

function flushDeletes() {
  if (deleteTimer) clearTimeout(deleteTimer);
  deleteTimer = null;
  if (deletes.length === 0 || deleting) return;
  const ops = deletes.map((key) => ({ type: 'del', key }));
  ops.push({ type: 'put', key: 'm', value: `{"deleted":${deleted + deletes.length}}` });
  const n = deletes.length;
  deletes = [];
  deleting = db.batch(ops).then(() => {
    deleting = null;
    deleted += n;
    if (deleted === count) finish();
    else if (deletes.length >= DELETE_BATCH) setImmediate(flushDeletes);
    else if (deletes.length > 0) deleteTimer ??= setTimeout(flushDeletes, DELETE_MS);
  });
}

function onAck(key) {
  acked++;
  inflight--;
  if (firstAckMs < 0) firstAckMs = performance.now() - started;
  if ((acked & 1023) === 0) rssMax = Math.max(rssMax, process.memoryUsage.rss());
  deletes.push(key);
  if (!deleting) {
    if (deletes.length >= DELETE_BATCH || acked === count) setImmediate(flushDeletes);
    else deleteTimer ??= setTimeout(flushDeletes, DELETE_MS);
  }
  pump();
}

async function read() {
  reading = true;
  const iterator = db.iterator({ gt: cursor, lt: 's' });
  try {
    queued = await iterator.nextv(READ);
  } finally {
    await iterator.close();
  }
  head = 0;
  if (queued.length === 0) exhausted = true;
  else cursor = queued[queued.length - 1][0];
  reading = false;
  pump();
}

function pump() {
  while (inflight < window) {
    if (head >= queued.length) {
      if (!reading && !exhausted) void read();
      return;
    }
    const [key, value] = queued[head++];
    // The stored `<ts>\0<sensor>\0<values JSON>` spliced into the payload, as the agent does.
    const a = value.indexOf('\0');
    const b = value.indexOf('\0', a + 1);
    const payload = `{"seq":${parseInt(key.slice(1), 16)},"ts":${value.slice(0, a)},"v":${value.slice(b + 1)}}`;
    inflight++;
    client.publish(topic, payload, { qos }, () => onAck(key));
  }
}

let finish;
await new Promise((resolve) => {
  finish = resolve;
  pump();
});
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuStarted);
const cpuMs = (cpu.user + cpu.system) / 1000;
await client.endAsync();
await db.close();
process.stdout.write(`${JSON.stringify({ ms, firstAckMs, rssMax, cpuMs, drained: deleted })}\n`);
