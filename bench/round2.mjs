// Before/after of issue 23 (performance round 2), one command, same machine, same hour:
//   node bench/round2.mjs                      base = the commit before round 2 (22b14ea)
//   node bench/round2.mjs --base REV --runs 3 --only drain,start
//   node bench/round2.mjs --quick               50k drains, 15 s steady: a check, not the table
//                                               (bench/round-2-quick.{json,md}; BENCHMARKS.md untouched)
// The base commit is unpacked beside (git archive, no worktree), gets THIS checkout's bench/ (the
// same benchmark code measures both; only the agent differs) and node_modules, and is built. Then
// every benchmark runs on both sides, taking turns (base, this, base, this, ...), so load on the
// machine hits them alike; the median of --runs per figure is kept. Each row records
// /proc/loadavg before and after it. Writes bench/round-2.json and bench/round-2.md, and puts the
// table into BENCHMARKS.md ("Performance round 2"; bench/run.mjs keeps that section).
import { execSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < argv.length ? argv[at + 1] : fallback;
};
const quick = argv.includes('--quick');
const base = option('base', '22b14ea');
const runs = Number(option('runs', quick ? '1' : '3'));
const readings = option('readings', quick ? '50000' : '200000');
const steadySeconds = option('steady-seconds', quick ? '15' : '60');
const only = option('only', 'drain,one-core,start,steady,ingest').split(',');
const here = resolve('.');
const node = process.execPath;
const load = () => readFileSync('/proc/loadavg', 'utf8').trim();

const plan = [
  ...(only.includes('drain') ? [0, 1, 2].map((qos) => ({ name: `drain QoS ${qos}`, args: ['bench/drain.ts', '--readings', readings, '--qos', String(qos)] })) : []),
  ...(only.includes('one-core') ? [{ name: 'drain QoS 1, one core', args: ['bench/drain.ts', '--readings', readings, '--qos', '1', '--one-core'] }] : []),
  ...(only.includes('start') ? [{ name: 'start', args: ['bench/start.ts', '--runs', quick ? '3' : '7'] }] : []),
  ...(only.includes('steady') ? [{ name: 'steady', args: ['bench/steady.ts', '--seconds', steadySeconds] }] : []),
  ...(only.includes('ingest') ? [{ name: 'ingest', args: ['bench/ingest.ts', '--readings', readings] }] : []),
];

// The base: its sources, this checkout's benchmarks, the same node_modules.
const baseDir = mkdtempSync(join(tmpdir(), 'sensor-agent-round2-base-'));
execSync(`git archive ${base} | tar -x -C ${baseDir}`, { stdio: 'inherit', shell: '/bin/bash' });
rmSync(join(baseDir, 'bench'), { recursive: true, force: true });
cpSync(join(here, 'bench'), join(baseDir, 'bench'), { recursive: true });
symlinkSync(join(here, 'node_modules'), join(baseDir, 'node_modules'));
const sides = { before: baseDir, after: here };
for (const [side, dir] of Object.entries(sides)) {
  process.stderr.write(`round2: building ${side} (${dir})\n`);
  execSync(`${node} build.mjs`, { cwd: dir, stdio: 'ignore' });
}

const results = []; // { bench, side, run, loadBefore, loadAfter, record }
for (const step of plan) {
  for (let run = 0; run < runs; run++) {
    for (const [side, dir] of Object.entries(sides)) {
      process.stderr.write(`round2: ${step.name}, ${side}, run ${run + 1}/${runs} (load ${load().split(' ')[0]})\n`);
      const loadBefore = load();
      const child = spawnSync(node, ['--import', 'tsx', ...step.args], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, STEADY_SECONDS: steadySeconds } });
      const line = child.stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
      if (child.status !== 0 || !line) {
        process.stderr.write(`  failed (${child.status}): ${child.stderr.slice(-1500)}\n`);
        continue;
      }
      results.push({ bench: step.name, side, run, loadBefore, loadAfter: load(), record: JSON.parse(line) });
    }
  }
}
rmSync(baseDir, { recursive: true, force: true });

const median = (values) => {
  const sorted = values.filter((v) => typeof v === 'number' && !Number.isNaN(v)).sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.floor((sorted.length - 1) / 2)];
};
const round = (v, d = 2) => (v === undefined ? undefined : Math.round(v * 10 ** d) / 10 ** d);
/** Per bench and side: every figure's median value, baseline and ratio over the runs. */
function figures(benchName, side) {
  const records = results.filter((r) => r.bench === benchName && r.side === side);
  const byFigure = new Map();
  for (const { record } of records) for (const f of record.figures) byFigure.set(f.figure, [...(byFigure.get(f.figure) ?? []), f]);
  const out = new Map();
  for (const [name, list] of byFigure) {
    const numeric = typeof list[0].value === 'number';
    out.set(name, { unit: list[0].unit, baselineWhat: list[0].baselineWhat, value: numeric ? median(list.map((f) => f.value)) : list[0].value, baseline: median(list.map((f) => f.baseline)), ratio: median(list.map((f) => f.ratio)) });
  }
  const loads = records.map((r) => `${r.loadBefore.split(' ')[0]}→${r.loadAfter.split(' ')[0]}`);
  return { figures: out, loads };
}

const cell = (v) => (v === undefined || v === null ? '—' : String(v));
const rows = [];
const summary = [];
const find = (benchName, side, pattern) => [...figures(benchName, side).figures].find(([name]) => pattern.test(name))?.[1];
const mbOf = (text, at) => Number(String(text).split('/')[at]?.replace(/[^\d.]/g, ''));
for (const step of plan) {
  const before = figures(step.name, 'before');
  const after = figures(step.name, 'after');
  for (const [name, a] of after.figures) {
    const b = before.figures.get(name) ?? {};
    rows.push(`| ${name} | ${cell(b.value)} → ${cell(a.value)} ${a.unit} | ${cell(b.baseline)} → ${cell(a.baseline)}${a.baselineWhat ? ` (${a.baselineWhat})` : ''} | ${cell(b.ratio)} → ${cell(a.ratio)} | ${before.loads.join(', ')} / ${after.loads.join(', ')} |`);
  }
}
// The rows of the issue's table, against the plain bare loop (and the durable floor where there is one).
for (const side of ['before', 'after']) {
  const row = { side };
  for (const qos of [0, 1, 2]) {
    const bench = `drain QoS ${qos}`;
    row[`drain${qos}`] = find(bench, side, /against the bare loop under the same unit flags$/);
    row[`floor${qos}`] = find(bench, side, /against the durable floor$/);
    row[`cpu${qos}`] = find(bench, side, /^CPU per 1000 readings drained, QoS \d$/);
    row[`cpuFlagged${qos}`] = find(bench, side, /^CPU per 1000 readings drained, QoS \d, against the bare loop under the same unit flags$/);
    row[`cpuFloor${qos}`] = find(bench, side, /^CPU per 1000 readings drained, QoS \d, against the durable floor$/);
  }
  row.oneCore = find('drain QoS 1, one core', side, /against the bare loop under the same unit flags$/);
  row.oneCoreFloor = find('drain QoS 1, one core', side, /against the durable floor$/);
  row.start = find('start', side, /^start: exec → ready, bundle$/);
  row.startCpu = find('start', side, /^start: exec → ready, bundle, main-thread CPU$/);
  row.steadyRss = find('steady', side, /link up: RSS \(max\)$/);
  row.steadyBareFlagged = find('steady', side, /bare MQTT\.js publisher with the unit flags/);
  row.drainRss = find('drain QoS 1', side, /^RSS during drain \d+ QoS 1$/);
  row.drainRssBareFlagged = find('drain QoS 1', side, /^RSS during drain \d+ QoS 1, bare loop with the unit flags$/);
  row.ingest = find('ingest', side, /^ingest \(/);
  row.ingestLike = find('ingest', side, /^ingest like for like/);
  summary.push(row);
}
const [b, a] = summary;
const pair = (fn) => `${cell(fn(b))} → ${cell(fn(a))}`;
const ratioOf = (f) => f?.ratio;
const issueRows = [
  ...[1, 0, 2].map((qos) => `| drain ${readings}, QoS ${qos}, both under the unit's flags | ${pair((s) => s[`drain${qos}`]?.value)} /s | ${pair((s) => s[`drain${qos}`]?.baseline)} /s | ${pair((s) => ratioOf(s[`drain${qos}`]))} | ≥ 0.85 | ${pair((s) => ratioOf(s[`floor${qos}`]))} |`),
  `| CPU per 1,000 drained, QoS 0 / 1 / 2 (bare loop without flags) | ${pair((s) => [0, 1, 2].map((q) => cell(s[`cpu${q}`]?.value)).join(' / '))} ms | ${pair((s) => [0, 1, 2].map((q) => cell(s[`cpu${q}`]?.baseline)).join(' / '))} ms | ${pair((s) => [0, 1, 2].map((q) => cell(ratioOf(s[`cpu${q}`]))).join(' / '))} | ≤ 1.3 | ${pair((s) => [0, 1, 2].map((q) => cell(ratioOf(s[`cpuFloor${q}`]))).join(' / '))} |`,
  `| CPU per 1,000 drained, QoS 0 / 1 / 2 (bare loop under the unit's flags) | (same) | ${pair((s) => [0, 1, 2].map((q) => cell(s[`cpuFlagged${q}`]?.baseline)).join(' / '))} ms | ${pair((s) => [0, 1, 2].map((q) => cell(ratioOf(s[`cpuFlagged${q}`]))).join(' / '))} | ≤ 1.3 | |`,
  `| drain ${readings}, QoS 1, one core (taskset) | ${pair((s) => s.oneCore?.value)} /s | ${pair((s) => s.oneCore?.baseline)} /s | ${pair((s) => ratioOf(s.oneCore))} | — | ${pair((s) => ratioOf(s.oneCoreFloor))} |`,
  `| start: exec → ready (code cache) | ${pair((s) => s.start?.value)} ms | ${pair((s) => s.start?.baseline)} ms (node -e 0) | ${pair((s) => ratioOf(s.start))} | ≤ 2.0 | main-thread CPU ${pair((s) => s.startCpu?.value)} ms |`,
  `| steady 20×1 Hz RSS, both flagged | ${pair((s) => s.steadyRss?.value)} MB | ${pair((s) => mbOf(s.steadyBareFlagged?.value, 1))} MB | ${pair((s) => round(s.steadyRss?.value / mbOf(s.steadyBareFlagged?.value, 1)))} | ≤ 1.05 | |`,
  `| drain RSS (QoS 1), both flagged | ${pair((s) => s.drainRss?.value)} MB | ${pair((s) => s.drainRssBareFlagged?.value)} MB | ${pair((s) => round(s.drainRss?.value / s.drainRssBareFlagged?.value))} | ≤ 1.10 | |`,
  `| ingest | ${pair((s) => s.ingest?.value)} /s | ${pair((s) => s.ingest?.baseline)} /s (classic-level) | ${pair((s) => ratioOf(s.ingest))} | ≥ 0.75 | |`,
  `| ingest, like for like (the bare loop reads the same driver) | ${pair((s) => s.ingestLike?.value)} /s | ${pair((s) => s.ingestLike?.baseline)} /s (classic-level) | ${pair((s) => ratioOf(s.ingestLike))} | — | |`,
];
const when = new Date().toISOString();
const command = `node bench/round2.mjs${argv.length ? ` ${argv.join(' ')}` : ''}`;
const md = `Generated by \`${command}\` at ${when} on ${execSync('nproc').toString().trim()} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}:
before = ${base}, after = ${execSync('git rev-parse --short HEAD').toString().trim()}${execSync('git status --porcelain --untracked-files=no').toString().trim() ? ' (with uncommitted changes)' : ''}; ${runs} run(s) per side, taking turns, median kept.
Load average at the end: ${load()}.

| figure (the issue's table) | agent, before → after | bare baseline, same run | ratio | goal | ratio to the durable floor |
| --- | --- | --- | --- | --- | --- |
${issueRows.join('\n')}

Every figure, before → after (1-min load before→after each run: before-side runs / after-side runs):

| figure | value | baseline | ratio | load |
| --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
// A --quick check writes beside the table (git-ignored), never over it.
const out = quick ? 'bench/round-2-quick' : 'bench/round-2';
writeFileSync(`${out}.json`, `${JSON.stringify({ command, when, base, runs, results }, null, 1)}\n`);
writeFileSync(`${out}.md`, md);
if (!quick && existsSync('BENCHMARKS.md')) {
  const text = readFileSync('BENCHMARKS.md', 'utf8');
  const start = text.indexOf('<!-- round-2 table -->');
  const end = text.indexOf('<!-- /round-2 table -->');
  if (start >= 0 && end > start) writeFileSync('BENCHMARKS.md', `${text.slice(0, start)}<!-- round-2 table -->\n${md}${text.slice(end)}`);
}
process.stdout.write(md);
