import { describe, expect, it } from 'vitest';
import { MemtreeErrorCodes } from '../../protocol/src/errors.js';

describe('protocol error codes', () => {
  it('gives every error its own code', () => {
    // Two errors once shared -31020; a client switching on the code could not tell them apart.
    const byCode = new Map<number, string[]>();
    for (const [name, code] of Object.entries(MemtreeErrorCodes)) byCode.set(code, [...(byCode.get(code) ?? []), name]);
    const shared = [...byCode.values()].filter((names) => names.length > 1);
    expect(shared).toEqual([]);
  });
});
