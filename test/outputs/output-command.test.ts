// The command parser: strict, size-limited, never echoing the input.
import { describe, expect, it } from 'vitest';
import { MAX_COMMAND_BYTES, parseCommandBody, parseCommandPayload } from '../../src/outputs/output-command.js';
import { checkDelivery } from '../../src/outputs/mqtt-commands.js';

describe('output commands', () => {
  it('takes ON, OFF, 1 and 0 exactly', () => {
    expect(parseCommandPayload('ON')).toEqual({ ok: true, command: { state: 1 } });
    expect(parseCommandPayload(Buffer.from('OFF'))).toEqual({ ok: true, command: { state: 0 } });
    expect(parseCommandPayload('1')).toEqual({ ok: true, command: { state: 1 } });
    expect(parseCommandPayload('0')).toEqual({ ok: true, command: { state: 0 } });
    for (const bad of ['on', ' ON', 'ON\n', 'true', '2', '', 'null']) expect(parseCommandPayload(bad)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('takes JSON with state, for (a duration) and ts', () => {
    expect(parseCommandPayload('{"state":1,"for":"30s"}')).toEqual({ ok: true, command: { state: 1, forMs: 30_000 } });
    expect(parseCommandPayload('{"state":"OFF","for":500,"ts":1764000000123}')).toEqual({ ok: true, command: { state: 0, forMs: 500, ts: 1764000000123 } });
  });

  it('refuses unknown keys, bad values, arrays and oversized payloads', () => {
    for (const bad of ['{"state":1,"extra":true}', '{"state":2}', '{"for":"1s"}', '{"state":1,"for":"0s"}', '{"state":1,"for":"soon"}', '{"state":1,"ts":"yesterday"}', '[1]', '{']) {
      const result = parseCommandPayload(bad);
      expect(result).toMatchObject({ ok: false, reason: 'malformed' });
      if (!result.ok) expect(result.detail).not.toContain(bad);
    }
    expect(parseCommandPayload(`{"state":1,"pad":"${'x'.repeat(MAX_COMMAND_BYTES)}"}`)).toMatchObject({ ok: false, reason: 'oversized' });
    expect(parseCommandBody({ output: 'pump', state: 1 }, new Set(['output', 'state']))).toEqual({ ok: true, command: { state: 1 } });
  });

  it('refuses retained deliveries unless accepted, and deliveries whose MQTT 5 expiry ran out', () => {
    expect(checkDelivery({ retain: true }, false)).toMatchObject({ ok: false, reason: 'retained' });
    expect(checkDelivery({ retain: true }, true)).toBeNull();
    expect(checkDelivery({ retain: false, properties: { messageExpiryInterval: 0 } }, false)).toMatchObject({ ok: false, reason: 'expired' });
    expect(checkDelivery({ retain: false, properties: { messageExpiryInterval: 5 } }, false)).toBeNull();
  });
});
