// Characters refused in text written by people that ends up in a PDF, a mail header or a terminal: control
// characters (C0, DEL, C1: NUL, ESC, CR, LF...), the bidirectional formatting characters (U+202E RIGHT-TO-LEFT
// OVERRIDE and its kin, which make a PDF show text in another order than it is stored), the line and paragraph
// separators and lone surrogates. A message that names such text shows these characters as U+XXXX.

/** Bidirectional formatting characters: ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI. */
const BIDI_CONTROLS = '\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069';
const REFUSED = new RegExp(`[\\p{Cc}\\p{Cs}${BIDI_CONTROLS}\\u2028\\u2029]`, 'gu');

const NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x09: 'TAB',
  0x0a: 'LF',
  0x0d: 'CR',
  0x1b: 'ESC',
  0x7f: 'DEL',
  0x061c: 'ARABIC LETTER MARK',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2028: 'LINE SEPARATOR',
  0x2029: 'PARAGRAPH SEPARATOR',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
};

/** `U+202E (RIGHT-TO-LEFT OVERRIDE)`; `U+0007` for one without a name here. */
export function describeCharacter(char: string): string {
  const code = char.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return NAMES[code] ? `${hex} (${NAMES[code]})` : hex;
}

/**
 * The first refused character of `text` and where it is (index in UTF-16 units), or null. `allowed` lists control
 * characters that are fine here (e.g. '\n\t' in a paragraph of text).
 */
export function refusedCharacter(text: string, allowed = ''): { char: string; index: number } | null {
  for (const match of text.matchAll(REFUSED)) {
    if (!allowed.includes(match[0])) return { char: match[0], index: match.index };
  }
  return null;
}

/** `text` as safe to print on one line: every refused character (and tab, newline) written as <U+XXXX>. */
export function shownText(text: string): string {
  return text.replace(REFUSED, (char) => `<${describeCharacter(char).split(' ')[0]}>`);
}
