// The built daemon (dist/sensor-agent.js) as a child process: build it when stale, write a config
// into a temp folder, spawn `run`, read its JSON log lines, find the status port, fetch
// /status.json, stop it with SIGTERM (awaiting the exit code) or SIGKILL. Every child and folder
// made here is tracked, so one `cleanupChildAgents()` in afterEach/afterAll leaves nothing behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, rmdir, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { StatusSnapshot } from '../../src/status/status-types.js';
import { untilValue } from './poll.js';
import { makeTempDir } from './temp-dir.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const AGENT_BIN = join(REPO_ROOT, 'dist/sensor-agent.js');

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

async function newestMtimeMs(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.map((entry) => newestMtimeMs(join(path, entry))));
  return Math.max(info.mtimeMs, ...times);
}

async function isStale(): Promise<boolean> {
  const built = await stat(AGENT_BIN).then((info) => info.mtimeMs, () => -1);
  if (built < 0) return true;
  const sources = await Promise.all(['src', 'package.json', 'build.mjs'].map((entry) => newestMtimeMs(join(REPO_ROOT, entry))));
  return Math.max(...sources) > built;
}

/**
 * Runs `node build.mjs` when dist/sensor-agent.js is missing or older than src/. A lock folder
 * keeps parallel test files from rewriting the bundle while another one starts a child from it.
 */
export async function ensureBuilt(): Promise<void> {
  const lock = join(REPO_ROOT, 'dist/.e2e-build-lock');
  await mkdir(join(REPO_ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      // A lock older than the deadline is from a crashed run: take it over.
      const age = await stat(lock).then((info) => Date.now() - info.mtimeMs, () => 0);
      if (Date.now() > deadline || age > 30_000) {
        await rmdir(lock).catch(() => undefined);
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    if (!(await isStale())) return;
    const result = spawnSync(process.execPath, ['build.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`node build.mjs failed (${result.status}):\n${result.stdout}${result.stderr}`);
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}

/** The environment a child gets: ours without any SENSOR_AGENT_* setting, plus `extra`. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SENSOR_AGENT_')));
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();
const folders: Array<{ cleanup(): Promise<void> }> = [];

/** Runs the built CLI to completion (for commands that end by themselves). */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENT_BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sensor-agent ${args.join(' ')} did not end within ${options.timeoutMs ?? 15_000} ms\n${stdout}${stderr}`));
    }, options.timeoutMs ?? 15_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A fresh temp folder, removed by cleanupChildAgents(). */
export async function agentFolder(prefix = 'sensor-agent-e2e-'): Promise<string> {
  const dir = await makeTempDir(prefix);
  folders.push(dir);
  return dir.path;
}

/** Writes `config` (JSON, which the YAML loader reads) as config.json in `dir`; returns its path. */
export async function writeConfig(dir: string, config: unknown, name = 'config.json'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

export interface ChildAgent {
  child: ChildProcess;
  /** Every stdout line that parsed as JSON (the agent's log), in order. */
  lines: LogLine[];
  stderr(): string;
  /** Everything written to stdout, as text (a parsed line keeps one of two equal keys; this keeps both). */
  stdout(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  statusUrl: string;
  status(): Promise<StatusSnapshot>;
  /** Log lines whose msg contains `text`. */
  logged(text: string): LogLine[];
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  /** Resolves once at least `count` log lines have a msg containing `text`. */
  waitForLogCount(text: string, count: number, timeoutMs?: number): Promise<void>;
  /** Polls /status.json until `predicate` holds; resolves with that snapshot. */
  waitForStatus(predicate: (status: StatusSnapshot) => boolean, timeoutMs?: number, what?: string): Promise<StatusSnapshot>;
  /** SIGTERM; resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
}

/** Spawns `run --config file` and resolves once the status port is listening. */
export async function startChildAgent(configFile: string, options: { env?: NodeJS.ProcessEnv; startTimeoutMs?: number; nodeArgs?: string[] } = {}): Promise<ChildAgent> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), AGENT_BIN, 'run', '--config', configFile], { cwd: REPO_ROOT, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: LogLine[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let stdout = '';
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as LogLine);
      } catch {
        // not a log line (a stray print): ignored
      }
    }
    for (const listener of listeners) listener();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      children.delete(child);
      for (const listener of listeners) listener();
      resolve({ code, signal });
    });
  });
  let ended = false;
  void exited.then(() => (ended = true));

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 15_000, what = 'a log line'): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = lines.find(predicate);
        if (found) {
          done();
          resolve(found);
        } else if (ended) {
          done();
          reject(new Error(`the agent exited before ${what}; stderr:\n${stderr}\nstdout:\n${lines.map((line) => JSON.stringify(line)).join('\n')}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; stderr:\n${stderr}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  const listening = await waitForLog((line) => line.msg === 'status port listening' && typeof line.port === 'number', options.startTimeoutMs ?? 15_000, 'the status port');
  const statusUrl = `http://127.0.0.1:${String(listening.port)}/status.json`;
  const status = async (): Promise<StatusSnapshot> => {
    const response = await fetch(statusUrl);
    if (!response.ok) throw new Error(`GET ${statusUrl}: ${response.status}`);
    return (await response.json()) as StatusSnapshot;
  };

  return {
    child,
    lines,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    statusUrl,
    status,
    logged: (text) => lines.filter((line) => typeof line.msg === 'string' && line.msg.includes(text)),
    waitForLog,
    waitForLogCount: async (text, count, timeoutMs) => {
      const matches = (line: LogLine): boolean => typeof line.msg === 'string' && line.msg.includes(text);
      await waitForLog(() => lines.filter(matches).length >= count, timeoutMs, `${count} log lines with "${text}"`);
    },
    waitForStatus: (predicate, timeoutMs = 15_000, what = 'a status') => untilValue(status, predicate, timeoutMs, what),
    stop: async (timeoutMs = 15_000) => {
      if (!ended) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the agent did not exit within ${timeoutMs} ms of SIGTERM`)), timeoutMs);
      });
      try {
        return (await Promise.race([exited, timeout])).code;
      } finally {
        clearTimeout(timer);
      }
    },
    kill: async () => {
      if (!ended) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** SIGKILLs every child still running and removes every folder made here. */
export async function cleanupChildAgents(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('close', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  children.clear();
  await Promise.all(folders.splice(0).map((dir) => dir.cleanup()));
}
