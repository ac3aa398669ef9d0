// The agent's version: baked into the bundle by build.mjs, read from package.json when run from source.
import { readFileSync } from 'node:fs';

declare const SENSOR_AGENT_VERSION: string | undefined;

function fromPackageJson(): string {
  try {
    const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return '0.0.0-unknown';
  }
}

export const version: string = typeof SENSOR_AGENT_VERSION === 'string' ? SENSOR_AGENT_VERSION : fromPackageJson();
