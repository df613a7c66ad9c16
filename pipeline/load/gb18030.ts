// GB18030 to UTF-8 at the speed of a byte loop: the transcoded copy of a GB18030 export (read.ts) was iconv-lite's
// decoder, which builds a JavaScript string of the whole file and encodes it again (about 1 s per 100 MB). Exports
// are mostly ASCII (ids, digits, delimiters) with two-byte Chinese characters between: ASCII bytes are copied, a
// two-byte character is looked up in a table of its UTF-8 bytes, and a four-byte sequence is decoded by iconv-lite
// itself. The tables are built from iconv-lite, one character at a time, so the text is exactly what iconv-lite's
// decoder gives, and a sequence it would decode as U+FFFD (invalid, cut short, or U+FFFD itself) makes the text
// undecodable, as counting U+FFFD in its output did.
import iconv from 'iconv-lite';

/** UTF-8 bytes of each two-byte character: 4 bytes per (lead 0x81-0xFE, trail 0x40-0xFE), the first its length (0: none). */
let pairTable: Uint8Array | null = null;
/** UTF-8 of the single bytes 0x80 and 0xFF as iconv-lite decodes them alone. */
let singleBytes: Map<number, Buffer> | null = null;
const TRAILS = 0xff - 0x40;

function utf8Of(bytes: number[]): Buffer | null {
  const text = iconv.decode(Buffer.from(bytes), 'gb18030');
  return text.includes('\uFFFD') ? null : Buffer.from(text, 'utf8');
}

function tables(): { pairs: Uint8Array; singles: Map<number, Buffer> } {
  if (!pairTable || !singleBytes) {
    const pairs = new Uint8Array((0xff - 0x81) * TRAILS * 4);
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        const utf8 = utf8Of([lead, trail]);
        // One character of at most 3 UTF-8 bytes (every GB18030 two-byte code is in the BMP); anything else: none.
        if (!utf8 || utf8.length > 3 || utf8.toString('utf8').length !== 1) continue;
        const at = ((lead - 0x81) * TRAILS + (trail - 0x40)) * 4;
        pairs[at] = utf8.length;
        utf8.copy(pairs, at + 1);
      }
    }
    const singles = new Map<number, Buffer>();
    for (const byte of [0x80, 0xff]) {
      const utf8 = utf8Of([byte]);
      if (utf8) singles.set(byte, utf8);
    }
    pairTable = pairs;
    singleBytes = singles;
  }
  return { pairs: pairTable, singles: singleBytes };
}

/** Streaming GB18030 -> UTF-8; `undecodable` turns true at the first sequence iconv-lite would decode as U+FFFD. */
export class Gb18030ToUtf8 {
  undecodable = false;
  /** The bytes of a sequence cut by the chunk's end (at most 3). */
  private carry: Buffer = Buffer.alloc(0);
  private readonly fourByte = new Map<number, Buffer | null>();
  private readonly pairs: Uint8Array;
  private readonly singles: Map<number, Buffer>;

  constructor() {
    ({ pairs: this.pairs, singles: this.singles } = tables());
  }

  push(chunk: Buffer): Buffer {
    if (this.undecodable) return Buffer.alloc(0);
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    // A two-byte character becomes at most 3 bytes, a four-byte one at most 4, a single byte (0x80) 3.
    const out = Buffer.allocUnsafe(Math.ceil(data.length * 1.5) + 8);
    const pairs = this.pairs;
    const n = data.length;
    let o = 0;
    let i = 0;
    while (i < n) {
      const b = data[i];
      if (b < 0x80) {
        out[o++] = b;
        i++;
        continue;
      }
      if (b === 0x80 || b === 0xff) {
        const utf8 = this.singles.get(b);
        if (!utf8) return this.fail();
        o += utf8.copy(out, o);
        i++;
        continue;
      }
      if (i + 1 >= n) break; // cut: wait for the next chunk
      const t = data[i + 1];
      if (t >= 0x40 && t !== 0x7f && t !== 0xff) {
        const at = ((b - 0x81) * TRAILS + (t - 0x40)) * 4;
        const length = pairs[at];
        if (length === 0) return this.fail();
        out[o++] = pairs[at + 1];
        if (length > 1) out[o++] = pairs[at + 2];
        if (length > 2) out[o++] = pairs[at + 3];
        i += 2;
        continue;
      }
      if (t >= 0x30 && t <= 0x39) {
        if (i + 3 >= n) break;
        const key = ((b << 24) | (t << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
        let utf8 = this.fourByte.get(key);
        if (utf8 === undefined) {
          // As iconv-lite's text became bytes: a sequence past U+10FFFF decodes to lone surrogates, written as
          // U+FFFD by Buffer.from (not counted as undecodable before either).
          utf8 = utf8Of([b, t, data[i + 2], data[i + 3]]);
          this.fourByte.set(key, utf8);
        }
        if (!utf8) return this.fail();
        o += utf8.copy(out, o);
        i += 4;
        continue;
      }
      return this.fail();
    }
    this.carry = Buffer.from(data.subarray(i));
    return out.subarray(0, o);
  }

  /** The end of the text: a sequence still cut short is undecodable. */
  end(): Buffer {
    if (this.carry.length > 0) this.fail();
    return Buffer.alloc(0);
  }

  private fail(): Buffer {
    this.undecodable = true;
    this.carry = Buffer.alloc(0);
    return Buffer.alloc(0);
  }
}
