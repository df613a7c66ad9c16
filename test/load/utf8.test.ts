// The streaming UTF-8 check must agree with a fatal TextDecoder on the whole text, however the chunks fall.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Validator } from '../../pipeline/load/read.ts';

function validates(bytes: Uint8Array, cuts: number[]): boolean {
  const validator = new Utf8Validator();
  let ok = true;
  let start = 0;
  for (const cut of [...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
    ok = validator.accepts(Buffer.from(bytes.subarray(start, Math.max(start, cut)))) && ok;
    start = Math.max(start, cut);
  }
  return ok && validator.endsCleanly();
}

function reference(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

describe('Utf8Validator', () => {
  it('accepts valid text cut anywhere (CJK, 4-byte characters, BOM)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        const bytes = Buffer.from('\uFEFF失踪日期 𠀀 ' + text, 'utf8');
        expect(validates(bytes, cuts)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with a fatal TextDecoder on arbitrary bytes cut anywhere', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        expect(validates(bytes, cuts)).toBe(reference(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects text that ends inside a character and GB18030 bytes', () => {
    expect(validates(Buffer.from('失踪', 'utf8').subarray(0, 5), [2])).toBe(false);
    expect(validates(Buffer.from([0xca, 0xa7, 0xd7, 0xd9]), [1, 3])).toBe(false); // 失踪 in GB18030
  });
});
