// Runs every benchmark (each a child printing one JSON line) and writes BENCHMARKS.md from them.
//   npm run bench                 full figures (drain 200k at QoS 0/1/2)
//   npm run bench:quick           smaller sizes, fewer runs
//   node bench/run.mjs --million  also drain 1,000,000, and live latency with 1,000,000 waiting
//   node bench/run.mjs --soak     also the soak (an hour offline at 100 readings/s; SOAK_SECONDS=60 to shorten)
//   node bench/run.mjs --only steady,live-latency   run only these benchmarks and merge their rows
//                                 with the other benchmarks' last results (bench/results.json)
//   node bench/run.mjs --report   run nothing: rewrite BENCHMARKS.md from bench/results.json
//   node bench/run.mjs --merge FILE --ran-by "COMMAND"   run nothing: merge the JSON lines in FILE (a
//                                 benchmark run on its own, e.g. the hour-long soak in the background;
//                                 COMMAND says how) into bench/results.json, then rewrite BENCHMARKS.md
//   BENCH_NOTE="..."              a sentence for BENCHMARKS.md's header (e.g. what else loaded the machine)
// Durations: STEADY_SECONDS (60; 15 with --quick), LIVE_SECONDS (30; 10 with --quick), SOAK_SECONDS (3600).
import { spawnSync, execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

const argv = process.argv.slice(2);
const flags = new Set(argv);
const onlyAt = argv.indexOf('--only');
const mergeAt = argv.indexOf('--merge');
const only = flags.has('--report') || mergeAt >= 0 ? new Set() : onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',')) : null;
const steadySeconds = process.env.STEADY_SECONDS ?? (flags.has('--quick') ? '15' : '60');
const liveSeconds = process.env.LIVE_SECONDS ?? (flags.has('--quick') ? '10' : '30');
const RESULTS = 'bench/results.json';
const quick = flags.has('--quick');
const drainSize = quick ? 50_000 : 200_000;
const node = process.execPath;
const tsx = ['--import', 'tsx'];

if (!flags.has('--report') && mergeAt < 0) execSync(`${node} build.mjs`, { stdio: 'ignore' });
const plan = [
  ...[0, 1, 2].map((qos) => ['bench/drain.ts', '--readings', String(drainSize), '--qos', String(qos)]),
  // The same drain with node started without the systemd unit's V8 flags: their effect, same run.
  ['bench/drain.ts', '--readings', String(drainSize), '--qos', '1', '--no-node-flags'],
  // One core (taskset): about what a Pi Zero 2 W or a busy Pi 3 gives the agent.
  ['bench/drain.ts', '--readings', String(drainSize), '--qos', '1', '--one-core'],
  ...(flags.has('--million') ? [['bench/drain.ts', '--readings', '1000000', '--qos', '1']] : []),
  ['bench/ingest.ts', '--readings', quick ? '50000' : '200000'],
  ['bench/start.ts', '--runs', quick ? '3' : '7'],
  ['bench/wire.ts', '--readings', quick ? '1000' : '5000'],
  ['bench/health-size.ts'],
  ['bench/steady.ts', '--seconds', steadySeconds],
  ['bench/live-latency.ts', '--readings', String(drainSize), '--seconds', liveSeconds],
  // A 7-day outage into a 1 MB store with store.overflow downsample, in simulated time (bench/downsample.ts).
  ['bench/downsample.ts', '--days', quick ? '1' : '7', '--max-bytes', '1000000'],
  ...(flags.has('--million') ? [['bench/live-latency.ts', '--readings', '1000000', '--seconds', liveSeconds]] : []),
  ...(flags.has('--soak') ? [['bench/soak.ts', '--seconds', process.env.SOAK_SECONDS ?? '3600']] : []),
].filter((args) => !only || only.has(args[0].replace(/^bench\/|\.ts$/g, '')));
const envs = ['STEADY_SECONDS', 'LIVE_SECONDS', 'SOAK_SECONDS'].filter((name) => process.env[name]).map((name) => `${name}=${process.env[name]} `).join('');
const command = `${envs}node bench/run.mjs${argv.length ? ` ${argv.join(' ')}` : ''}`;

const results = [];
if (mergeAt >= 0) {
  const file = argv[mergeAt + 1];
  const ranByAt = argv.indexOf('--ran-by');
  const ranBy = ranByAt >= 0 ? argv[ranByAt + 1] : file;
  const { mtime } = await import('node:fs').then((fs) => fs.statSync(file));
  for (const line of readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{'))) {
    results.push({ ...JSON.parse(line), sizes: 'MB', ranBy, ranAt: mtime.toISOString(), load: 'n/a (run separately)' });
  }
}
for (const args of plan) {
  process.stderr.write(`bench: ${args.join(' ')}\n`);
  const loadBefore = execSync('cat /proc/loadavg').toString().trim();
  const run = spawnSync(node, [...tsx, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = run.stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (run.status !== 0 || !line) {
    process.stderr.write(`  failed (${run.status}): ${run.stderr.slice(-2000)}\n`);
    continue;
  }
  process.stdout.write(`${line}\n`);
  results.push({ ...JSON.parse(line), sizes: 'MB', ranBy: command, ranAt: new Date().toISOString(), loadBefore, load: execSync('cat /proc/loadavg').toString().trim() });
}

// --only: keep the last results of the benchmarks not run now (each row says when it ran).
let merged = results;
if ((only || mergeAt >= 0) && existsSync(RESULTS)) {
  const previous = JSON.parse(readFileSync(RESULTS, 'utf8'));
  const rerun = new Set(results.map((r) => r.bench));
  merged = [...previous.filter((r) => !rerun.has(r.bench)), ...results];
  const order = ['drain', 'ingest', 'start', 'wire', 'health-size', 'steady', 'live-latency', 'downsample', 'soak'];
  merged.sort((a, b) => order.indexOf(a.bench) - order.indexOf(b.bench));
}
writeFileSync(RESULTS, `${JSON.stringify(merged, null, 1)}\n`);

const cell = (v) => (v === undefined || v === null || Number.isNaN(v) ? '—' : String(v));

// Sizes are MB of 10^6 bytes. Records from before that (no `sizes: 'MB'`) hold MiB (bytes / 2^20):
// shown converted, so every row uses one unit; results.json keeps them as they were recorded.
const MIB_IN_MB = 1.048576;
const toMb = (value) => Math.round(value * MIB_IN_MB * 10) / 10;
const convertMbIn = (text) => String(text).replace(/(\d+(?:\.\d+)?)( \/ (\d+(?:\.\d+)?))?( MB)/g, (_, a, __, b, unit) => `${toMb(Number(a))}${b === undefined ? '' : ` / ${toMb(Number(b))}`}${unit}`);
function inMb(record) {
  if (record.sizes === 'MB') return record;
  return {
    ...record,
    figures: record.figures.map((f) => {
      const sized = f.unit === 'MB';
      const value = sized ? (typeof f.value === 'number' ? toMb(f.value) : String(f.value).replace(/\d+(?:\.\d+)?/g, (n) => String(toMb(Number(n))))) : typeof f.value === 'string' ? convertMbIn(f.value) : f.value;
      const baselineInMb = sized || /\bMB\b|RSS|store\.maxBytes/.test(f.baselineWhat ?? '');
      return { ...f, value, baseline: baselineInMb && typeof f.baseline === 'number' ? toMb(f.baseline) : f.baseline };
    }),
  };
}
const converted = merged.some((r) => r.sizes !== 'MB');
// --report runs nothing: the machine line is that of the latest run, not of now.
const latest = merged.reduce((a, b) => (a && a.ranAt > b.ranAt ? a : b), null);
const machine = {
  nproc: execSync('nproc').toString().trim(),
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  date: results.length === 0 && latest ? latest.ranAt : new Date().toISOString(),
  load: results.length === 0 && latest ? latest.load : execSync('cat /proc/loadavg').toString().trim(),
};
const runs = [...new Set(merged.map((r) => r.ranBy))];
const note = process.env.BENCH_NOTE ? `\n${process.env.BENCH_NOTE}\n` : '';
const rows = merged.map(inMb).flatMap((r) => r.figures.map((f) => `| ${f.figure} | ${cell(f.value)} ${f.unit} | ${cell(f.baseline)}${f.baselineWhat ? ` (${f.baselineWhat})` : ''} | ${cell(f.ratio)} | ${cell(f.goal)} | ${r.ranAt.slice(11, 16)} (load ${r.loadBefore ? `${r.loadBefore.split(' ')[0]} → ` : ''}${r.load.split(' ')[0]}) |`));
const md = `# Benchmarks

Generated by ${runs.map((c) => `\`${c}\``).join(', then ')}; do not edit by hand. Every figure and its
baseline come from the same run of its benchmark. Broker: ${merged.find((r) => r.broker)?.broker ?? 'n/a'}.
Durations: steady state ${merged.find((r) => r.bench === 'steady')?.seconds ?? '—'} s per link state (the issue asks for 60 s),
live latency ${merged.find((r) => r.bench === 'live-latency')?.seconds ?? '—'} s of the drain, soak ${merged.find((r) => r.bench === 'soak')?.seconds ?? 'not run'} s offline (the issue asks for 3600 s; \`--soak\`).

Machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpu}, Node ${machine.node}, ${machine.date}, load average at the end ${machine.load}.
Sizes are MB of 10^6 bytes, as everywhere in the agent.${converted ? ' Rows measured before that convention were recorded in MiB (bytes / 2^20, bench/results.json keeps them so) and are shown converted (x 1.048576, one decimal).' : ''}
${note}
| figure | value | baseline | ratio | goal | ran at (UTC), 1-min load before → after |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Bytes written are \`write_bytes\` from \`/proc/<pid>/io\` (${merged.find((r) => r.bench === 'steady')?.writeBytesAccounted === false ? '**not accounted in this container: always 0**' : 'checked to be accounted here with a 1 MB fsynced probe file'}).
Live latency is sampling (\`ts\` in the payload) to arrival at a QoS 1 subscriber on loopback, which
stands in for the PUBACK. The steady-state baseline is a bare MQTT.js client publishing the same
payloads at the same rate, measured at the same time.

The downsample rows (\`bench/downsample.ts\`, \`store.overflow: downsample\`) are a ${merged.find((r) => r.bench === 'downsample')?.days ?? 7}-day outage in
simulated time: readings of 4 sensors at 1/s with synthetic timestamps one second apart (greenhouse
temperatures: a daily sine, a weekly drift, noise of about 0.3 °C, 2 decimals) are appended straight
into the real ReadingBuffer over a real LevelDB with a 1 MB \`maxBytes\`, 60 simulated seconds (240
readings, one batch) at a time, each batch after the summarizing it set off has finished. Then the
buffer is read out in seq order as the publisher drains it, and every summary is checked against the
readings it replaced (count, seq range, mean) and against the true signal. "Rebuilt" holds each
second of a summary's window at the summary's mean; its baseline is the readings' own noise.
`;
// The "Performance round 2" section (text and bench/round2.mjs's table) is kept as it is.
const previousMd = existsSync('BENCHMARKS.md') ? readFileSync('BENCHMARKS.md', 'utf8') : '';
const kept = /<!-- round-2 -->[\s\S]*<!-- \/round-2 -->\n?/.exec(previousMd)?.[0];
writeFileSync('BENCHMARKS.md', kept ? `${md}\n${kept}` : md);
process.stderr.write('wrote BENCHMARKS.md\n');
