// An unclean stop, for real: a child process opens a buffer on `storePath` (with a boot id file of
// the test's own), appends `count` readings, and is killed with SIGKILL once it reports them written.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('../programs/append-then-hang.ts', import.meta.url));

/** Resolves with the last seq the killed run accepted and the epoch it ran in. */
export async function appendAndKill(storePath: string, bootIdPath: string, count: number): Promise<{ lastSeq: number; epoch: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, storePath, bootIdPath, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.on('error', reject);
    proc.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out);
    });
  });
  proc.removeAllListeners('exit');
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
  const match = /appended (\d+) epoch (\d+)/.exec(line);
  if (match === null) throw new Error(`unexpected child output: ${line}`);
  return { lastSeq: Number(match[1]), epoch: Number(match[2]) };
}
