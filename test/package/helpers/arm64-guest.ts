// Debian's arm64 kernel under qemu-system-aarch64 (virt machine, TCG) with a root that is all
// initramfs: scripts/hil/prepare-arm64.sh's cached base (Debian's arm64 packages with dpkg,
// systemd and adduser, the modules, /init) plus a second cpio archive the test makes (the .deb,
// the scenario, its inputs).
// The kernel unpacks both archives into one rootfs; the console is the only way back.
//
//   arm64SkipReason(deb)   why this cannot run here, or null
//   prepareArm64()         the cached assets (kernel, base cpio)
//   stageFiles(files)      a staging root with `files` (path → content, mode)
//   debFile(deb, path)     one file of the .deb, as shipped
//   bootArm64(opts)        boots with base + staging; resolves when the guest powers off, with
//                          every console line and the host time it arrived
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../../helpers/child-agent.js';

export interface Arm64Assets {
  kernel: string;
  base: string;
  abi: string;
  cache: string;
}

export interface ConsoleLine {
  atMs: number;
  text: string;
}

export interface Arm64Run {
  /** Date.now() when qemu was spawned: ConsoleLine.atMs counts from here. */
  startedAt: number;
  lines: ConsoleLine[];
  exitCode: number | null;
  timedOut: boolean;
  totalMs: number;
}

const has = (command: string): boolean => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

export function arm64SkipReason(deb: string): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `needs linux/x64 (this is ${process.platform}/${process.arch})`;
  if (!has('qemu-system-aarch64')) return 'qemu-system-aarch64 is not installed (apt-get install qemu-system-arm; .ci/run does)';
  if (!has('aarch64-linux-gnu-gcc')) return 'aarch64-linux-gnu-gcc is not installed (apt-get install crossbuild-essential-arm64; .ci/run does): i2c-stub and gpio-sim are built for the arm64 kernel';
  if (process.getuid?.() !== 0) return 'not root: the kernel cache lives in /var/cache and the staged root must be owned by root';
  if (!existsSync(deb)) return `no arm64 .deb at ${deb} (scripts/package.sh arm64 makes it; npm run test:package runs this after it)`;
  return null;
}

let assets: Arm64Assets | null = null;

export function prepareArm64(): Arm64Assets {
  if (assets) return assets;
  const result = spawnSync(join(REPO_ROOT, 'scripts/hil/prepare-arm64.sh'), { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (result.status !== 0) throw new Error(`scripts/hil/prepare-arm64.sh failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  assets = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as Arm64Assets;
  return assets;
}

export async function stageFiles(files: Record<string, { content: string | Buffer; mode?: number }>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'arm64-stage-'));
  // The archive's "." entry sets the guest's / mode: mkdtemp's 0700 would lock out every non-root user.
  await chmod(root, 0o755);
  for (const [path, { content, mode }] of Object.entries(files)) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    await chmod(target, mode ?? 0o644);
  }
  return root;
}

/** One file of the .deb's data, as shipped (dpkg-deb --fsys-tarfile). */
export function debFile(deb: string, path: string): string {
  const result = spawnSync('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xOf - "./$2"', 'sh', deb, path], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${path} not in ${deb}: ${result.stderr}`);
  return result.stdout;
}

export async function bootArm64(options: { stage: string; forwards?: string; timeoutMs: number; onLine?: (line: ConsoleLine) => void }): Promise<Arm64Run> {
  const hil = prepareArm64();
  const initrd = join(dirname(options.stage), `${options.stage.split('/').pop()}.cpio`);
  // Both archives in one file: the kernel unpacks them in order into the same rootfs.
  const packed = spawnSync('sh', ['-c', 'cat "$1" > "$3" && cd "$2" && find . | cpio -o -H newc -R 0:0 --quiet >> "$3"', 'sh', hil.base, options.stage, initrd]);
  if (packed.status !== 0) throw new Error(`cpio failed: ${String(packed.stderr)}`);
  const args = [
    '-M', 'virt', '-accel', 'tcg', '-cpu', 'cortex-a72', '-m', '1024', '-smp', '2', '-nographic', '-no-reboot',
    '-kernel', hil.kernel, '-initrd', initrd, '-append', 'console=ttyAMA0 quiet loglevel=3 panic=-1 systemd.getty_auto=0 systemd.wants=hil-scenario.service',
    '-netdev', `user,id=n0${options.forwards ?? ''}`, '-device', 'virtio-net-pci,netdev=n0,romfile=',
  ];
  const started = Date.now();
  const child = spawn('qemu-system-aarch64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: ConsoleLine[] = [];
  let partial = '';
  const onData = (chunk: Buffer): void => {
    partial += chunk.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const raw of parts) {
      const line = { atMs: Date.now() - started, text: raw.replace(/\r/g, '') };
      lines.push(line);
      options.onLine?.(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  clearTimeout(timer);
  await rm(initrd, { force: true });
  if (partial) lines.push({ atMs: Date.now() - started, text: partial });
  const exit = lines.map((line) => /^hil-exit: (\d+)/.exec(line.text)).find((match) => match !== null);
  return { startedAt: started, lines, exitCode: exit ? Number(exit[1]) : null, timedOut, totalMs: Date.now() - started };
}
