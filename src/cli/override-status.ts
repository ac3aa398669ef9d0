// check-config's lines about a remote config override (remote.config): which one `run` starts
// with instead of this file's settings, or that one will be rolled back at the next start.
import { overridePath, readOverride } from '../remote/override-store.js';

export async function overrideLines(storePath: string): Promise<string[]> {
  const path = overridePath(storePath);
  let state;
  try {
    state = await readOverride(path);
  } catch (error) {
    return [`remote config: ${path} cannot be read (${(error as Error).message}); run starts with this file`];
  }
  const lines: string[] = [];
  const { good, pending } = state;
  const name = (entry: { id: string; version?: number; appliedAt: string }): string =>
    `${entry.id}${entry.version === undefined ? '' : ` (version ${entry.version})`}, applied at ${entry.appliedAt}`;
  if (good !== null) lines.push(`remote config: override ${name(good)} is in effect (${path}): run starts with it, this file's locked keys laid over it`);
  if (pending !== null) lines.push(`remote config: override ${name(pending)} was never marked good: the next start rolls it back`);
  if (good === null && pending === null) lines.push('remote config: no override in effect (run starts with this file)');
  if (state.lastVersion > 0) lines.push(`remote config: last applied version ${state.lastVersion}`);
  return lines;
}
