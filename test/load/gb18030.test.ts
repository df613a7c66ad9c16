// The loader's GB18030 transcoder (pipeline/load/gb18030.ts) against what it replaces, iconv-lite's text written as
// UTF-8: the same bytes for every text iconv-lite decodes without U+FFFD, whatever the chunk boundaries, and
// "undecodable" exactly where iconv-lite's text holds U+FFFD.
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { Gb18030ToUtf8 } from '../../pipeline/load/gb18030.ts';

function transcode(bytes: Buffer, chunk: number): { utf8: Buffer; undecodable: boolean } {
  const decoder = new Gb18030ToUtf8();
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(decoder.push(bytes.subarray(i, i + chunk)));
  parts.push(decoder.end());
  return { utf8: Buffer.concat(parts), undecodable: decoder.undecodable };
}

/** The loader before: iconv-lite's text, undecodable when it holds U+FFFD, written with Buffer.from. */
function iconvResult(bytes: Buffer): { utf8: Buffer; undecodable: boolean } {
  const text = iconv.decode(bytes, 'gb18030');
  return { utf8: Buffer.from(text, 'utf8'), undecodable: text.includes('\uFFFD') };
}

describe('GB18030 to UTF-8', () => {
  it('gives iconv-lite text for every two-byte character, ASCII, 0x80 and four-byte sequences, at any chunk size', () => {
    const bytes: number[] = [];
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) if (trail !== 0x7f) bytes.push(lead, trail, 0x2c);
    }
    for (let b = 0; b < 0x80; b++) bytes.push(b);
    bytes.push(0x80);
    // Four-byte sequences: the first (U+0080), others in the BMP, the supplementary planes' first and last, and one
    // past U+10FFFF (iconv-lite gives lone surrogates, which Buffer.from writes as U+FFFD: accepted before too).
    bytes.push(0x81, 0x30, 0x81, 0x30, 0x81, 0x30, 0x84, 0x36, 0x84, 0x31, 0xa4, 0x39, 0x90, 0x30, 0x81, 0x30, 0xe3, 0x32, 0x9a, 0x35);
    bytes.push(0xfe, 0x39, 0xfe, 0x39);
    const file = Buffer.from(bytes);
    const want = iconvResult(file);
    expect(want.undecodable).toBe(false);
    for (const chunk of [2, 3, 5, 4096, file.length]) expect(transcode(file, chunk)).toEqual(want);
  });

  it('a Chinese export: the same text', () => {
    const text = '人员编号,性别,失踪日期,失踪地省份\nP00000001,男,2021年3月4日,广东省\nP00000002,女,1994年,内蒙古自治区 €\n';
    const file = iconv.encode(text, 'gb18030');
    for (const chunk of [1, 3, 64]) expect(transcode(file, chunk)).toEqual({ utf8: Buffer.from(text, 'utf8'), undecodable: false });
  });

  it.each([
    ['a lone 0xFF', [0x41, 0xff, 0x41]],
    ['a lead byte before a space', [0xb0, 0x20]],
    ['a lead byte before 0x7F', [0xb0, 0x7f]],
    ['a lead byte at the end', [0x41, 0xb0]],
    ['a four-byte sequence cut short', [0x81, 0x30, 0x81]],
    ['a four-byte sequence with a bad third byte', [0x81, 0x30, 0x20, 0x30]],
    ['U+FFFD itself', [0x84, 0x31, 0xa4, 0x37]],
    ['a lead byte before a bad trail, later in a long text', [...Buffer.from('P1,2021,'.repeat(100)), 0xc4, 0x3a]],
  ])('%s: undecodable, as iconv-lite gives U+FFFD', (_name, bytes) => {
    const file = Buffer.from(bytes);
    expect(iconvResult(file).undecodable).toBe(true);
    for (const chunk of [1, 2, file.length]) expect(transcode(file, chunk).undecodable).toBe(true);
  });
});
