import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalCode, codeOfMessage, ERROR_ALIASES, ERROR_CATALOGUE } from '../../src/errors/catalogue.js';

const SRC = join(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('catalogue.ts') ? [path] : [];
  });
}

const source = sourceFiles(SRC)
  .map((file) => readFileSync(file, 'utf8'))
  .join('\n');

describe('the error catalogue', () => {
  it('has no entry the product never emits (each code is quoted somewhere in src)', () => {
    const unused = Object.keys(ERROR_CATALOGUE).filter((code) => !source.includes(`'${code}'`));
    expect(unused).toEqual([]);
  });

  it('has no old name left in src, and each alias points at a current code', () => {
    for (const [alias, code] of Object.entries(ERROR_ALIASES)) {
      expect(source.includes(`'${alias}'`), alias).toBe(false);
      expect(Object.keys(ERROR_CATALOGUE)).toContain(code);
    }
  });

  it('says what to do for every code', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(entry.message.length, code).toBeGreaterThan(10);
      expect(entry.action.length, code).toBeGreaterThan(10);
    }
  });

  it('reads the code off a message, old names included', () => {
    expect(codeOfMessage('GPIO_BUSY: BCM 17 is in use')).toBe('GPIO_BUSY');
    expect(codeOfMessage('CRC_ERROR: ds18b20 28-0316a2790dff: CRC check failed twice')).toBe('CRC_MISMATCH');
    expect(codeOfMessage('NOT_A_CODE: something')).toBeUndefined();
    expect(codeOfMessage('connection refused')).toBeUndefined();
    expect(canonicalCode('W1_IO')).toBe('W1_IO_ERROR');
    expect(canonicalCode('toString')).toBeUndefined();
  });
});
