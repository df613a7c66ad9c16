// The editorial file as a hostile insider or a broken editor would write it: every fault is one line naming the file
// (and the key path, and the character as U+XXXX), exit 2, before Chromium starts; long text wraps on the page; a
// PDF that fails leaves the out folder as it was (no HTML twin, figures file or chart without its PDF).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../pipeline/errors.ts';
import { MAX_NOTABLE_CASES, readEditorial, TEXT_MAX_CHARACTERS, TITLE_MAX_CHARACTERS } from '../../pipeline/render/editorial.ts';
import { conformanceWarehouse } from '../conformance.ts';
import { runCli, tempDir } from '../helpers.ts';
import { pageCount, pdftotext } from './poppler.ts';

const AS_OF = '2021-11-30';

/** Every character the editorial text refuses: C0 controls but tab and newline, DEL, C1, bidi controls, separators. */
const REFUSED = [
  ...Array.from({ length: 0x20 }, (_, i) => i).filter((c) => c !== 0x09 && c !== 0x0a),
  0x7f,
  ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i),
  0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x2028, 0x2029,
];
const hex = (code: number) => `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;

describe('the editorial file, hostile and broken', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: string;
  let count = 0;

  beforeAll(() => {
    tmp = tempDir('bulletin-editorial-');
    db = conformanceWarehouse(join(tmp.dir, 'warehouse.duckdb'), 'batch1');
  });
  afterAll(() => tmp?.cleanup());

  /** A fresh editorial folder holding the file of November 2021 with `content` (text or bytes). */
  const editorial = (content: string | Buffer): { dir: string; file: string; shown: string } => {
    const dir = join(tmp.dir, `editorial-${++count}`);
    mkdirSync(dir);
    const file = join(dir, '2021-11.yaml');
    writeFileSync(file, content);
    // Named as the configuration file is: relative to the working directory when under it, else in full.
    const shown = relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file);
    return { dir, file, shown };
  };
  const messageOf = (dir: string): string => {
    try {
      readEditorial(AS_OF, ['en', 'zh'], dir);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      const message = (error as Error).message;
      expect(message).not.toMatch(/\n/);
      return message;
    }
    throw new Error('expected a UsageError');
  };
  const oneCase = (fields: Record<string, unknown>) => JSON.stringify({ notable_cases: [{ en: 'Fine.', zh: '好。', ...fields }] });
  const render = (dir: string, out: string, more: Record<string, string> = {}) =>
    runCli(['render', '--db', db, '--as-of', AS_OF, '--out', out], { BULLETIN_EDITORIAL_DIR: dir, ...more });

  it('file faults name the file: a folder at its path, bad YAML, an alias bomb, not UTF-8, too large, not a mapping', () => {
    const folder = join(tmp.dir, 'editorial-folder');
    mkdirSync(join(folder, '2021-11.yaml'), { recursive: true });
    expect(messageOf(folder)).toBe(`${join(folder, '2021-11.yaml')}: cannot read the editorial file: it is a folder`);

    const bad = editorial('notable_cases:\n  - en: [unclosed\n');
    expect(messageOf(bad.dir)).toMatch(new RegExp(`^${bad.shown}: line \\d+: not valid YAML: `));

    // A billion laughs: 9 levels of 9 aliases each.
    const levels = Array.from({ length: 9 }, (_, i) => `l${i}: &l${i} [${Array(9).fill(i === 0 ? '"lol"' : `*l${i - 1}`).join(', ')}]`);
    const bomb = editorial(`${levels.join('\n')}\nnotable_cases: []\n`);
    expect(messageOf(bomb.dir)).toBe(`${bomb.shown}: not valid YAML: Excessive alias count indicates a resource exhaustion attack (more than 100 aliases expanded)`);

    const latin1 = editorial(Buffer.from('notable_cases:\n  - en: caf\xe9\n    zh: caf\xe9\n', 'latin1'));
    expect(messageOf(latin1.dir)).toBe(`${latin1.shown}: the editorial file is not UTF-8 text`);

    const huge = editorial(`# ${'x'.repeat(1024 * 1024)}\nnotable_cases: []\n`);
    expect(messageOf(huge.dir)).toBe(`${huge.shown}: the editorial file is larger than 1024 KiB`);

    const list = editorial('- a\n- b\n');
    expect(messageOf(list.dir)).toMatch(new RegExp(`^${list.shown}: \\(top\\): `));

    const unknown = editorial(oneCase({ summary: 'x' }));
    expect(messageOf(unknown.dir)).toBe(`${unknown.shown}: notable_cases[0].summary: unknown key`);
    const missing = editorial(JSON.stringify({ notable_cases: [{ en: 'x' }, { en: 'y' }] }));
    expect(messageOf(missing.dir)).toBe(`${missing.shown}: notable_cases[0].zh: missing (the bulletin is rendered in zh)`);
  });

  it('every control character, bidi control and separator is refused, naming file, key path, character and position', () => {
    for (const code of REFUSED) {
      const char = String.fromCodePoint(code);
      for (const [fields, path, position] of [
        [{ en: `Home ${char}after 74 years` }, 'notable_cases[0].en', 6],
        [{ zh: `𠀀离家${char}74年` }, 'notable_cases[0].zh', 4],
        [{ title: { en: `Home${char}`, zh: '团圆' } }, 'notable_cases[0].title.en', 5],
        [{ title: { zh: `${char}团圆` } }, 'notable_cases[0].title.zh', 1],
      ] as const) {
        // Written as a YAML escape (JSON is YAML): the file itself is clean text.
        const { dir, shown } = editorial(oneCase(fields));
        const message = messageOf(dir);
        expect(message, `${hex(code)} in ${path}`).toMatch(new RegExp(`^${shown}: ${path.replace(/[.[\]]/g, '\\$&')}: the character ${hex(code).replace('+', '\\+')}( \\([A-Z -]+\\))? \\(character ${position}\\) is not allowed in editorial text$`));
        expect(message).not.toContain(char);
      }
    }
    // Written raw into the file: refused too (by the YAML reader or by the check), one line naming the file.
    for (const code of [0x00, 0x1b, 0x07, 0x0d, 0x202e, 0x2066, 0x85]) {
      const { dir, shown } = editorial(Buffer.from(`notable_cases:\n  - en: "Home ${String.fromCodePoint(code)}after 74 years"\n    zh: 好\n`, 'utf8'));
      const message = messageOf(dir);
      expect(message.startsWith(`${shown}: `), `${hex(code)}: ${message}`).toBe(true);
      expect(message).not.toContain(String.fromCodePoint(code));
    }
    // Tab and newline are text; a lone surrogate is not.
    expect(readEditorial(AS_OF, ['en', 'zh'], editorial(oneCase({ en: 'Line one\nline\ttwo' })).dir).en[0].text).toBe('Line one\nline\ttwo');
    const surrogate = editorial('notable_cases:\n  - en: "a\\uD800b"\n    zh: 好\n');
    expect(messageOf(surrogate.dir)).toMatch(/notable_cases\[0\]\.en: the character U\+D800 \(character 2\) is not allowed/);
  });

  it(`lengths are capped: a title at ${TITLE_MAX_CHARACTERS} characters, a text at ${TEXT_MAX_CHARACTERS}, ${MAX_NOTABLE_CASES} cases`, () => {
    const ok = readEditorial(AS_OF, ['en', 'zh'], editorial(oneCase({ title: { en: 'T'.repeat(TITLE_MAX_CHARACTERS) }, en: '字'.repeat(TEXT_MAX_CHARACTERS) })).dir);
    expect([...ok.en[0].text]).toHaveLength(TEXT_MAX_CHARACTERS);
    // Characters, not UTF-16 units: 3000 astral characters are 3000 characters.
    expect(readEditorial(AS_OF, ['en'], editorial(oneCase({ en: '𠀀'.repeat(TEXT_MAX_CHARACTERS) })).dir).en).toHaveLength(1);
    const longTitle = editorial(oneCase({ title: { zh: '团'.repeat(TITLE_MAX_CHARACTERS + 1) } }));
    expect(messageOf(longTitle.dir)).toBe(`${longTitle.shown}: notable_cases[0].title.zh: ${TITLE_MAX_CHARACTERS + 1} characters, more than the ${TITLE_MAX_CHARACTERS} allowed`);
    const word = editorial(oneCase({ en: 'x'.repeat(200_000) }));
    expect(messageOf(word.dir)).toBe(`${word.shown}: notable_cases[0].en: 200000 characters, more than the ${TEXT_MAX_CHARACTERS} allowed`);
    const many = editorial(JSON.stringify({ notable_cases: Array.from({ length: MAX_NOTABLE_CASES + 1 }, () => ({ en: 'x', zh: 'y' })) }));
    expect(messageOf(many.dir)).toBe(`${many.shown}: notable_cases: more than ${MAX_NOTABLE_CASES} cases`);
  });

  it('bulletin render refuses them before printing: exit 2, one line, no out folder', async () => {
    for (const [what, content] of [
      ['right-to-left override', oneCase({ en: 'Reunited \u202Esdrow desrever' })],
      ['ESC', oneCase({ zh: '团圆\u001b[31m' })],
      ['NUL', oneCase({ title: { en: 'a\u0000b', zh: '好' } })],
      ['a 200,000-character word', oneCase({ en: 'x'.repeat(200_000) })],
      ['an alias bomb', Array.from({ length: 9 }, (_, i) => `l${i}: &l${i} [${Array(9).fill(i === 0 ? 'x' : `*l${i - 1}`).join(', ')}]`).join('\n') + '\n'],
    ] as const) {
      const { dir, shown } = editorial(content);
      const out = join(tmp.dir, `refused-${count}`);
      const started = Date.now();
      const r = await render(dir, out);
      expect(r.code, `${what}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n'), what).toHaveLength(1);
      expect(r.stderr, what).toMatch(new RegExp(`^bulletin: ${shown.replace(/[.]/g, '\\.')}: `));
      expect(r.stderr, what).not.toMatch(/[\u0000\u001b\u202e]/);
      expect(existsSync(out), what).toBe(false);
      // Refused before Chromium: well within the 30 s page deadline the long word used to run into.
      expect(Date.now() - started, what).toBeLessThan(25_000);
    }
  }, 180_000);

  it(`a word of ${TEXT_MAX_CHARACTERS} characters without a break wraps inside the page and is printed whole (real Chromium)`, async () => {
    const word = Array.from({ length: TEXT_MAX_CHARACTERS / 10 }, (_, i) => `W${String(i).padStart(5, '0')}Wxyz`).join('');
    expect(word).toHaveLength(TEXT_MAX_CHARACTERS);
    const { dir } = editorial(oneCase({ title: { en: 'T'.repeat(TITLE_MAX_CHARACTERS), zh: '团'.repeat(TITLE_MAX_CHARACTERS) }, en: word, zh: word }));
    const out = join(tmp.dir, 'long-word');
    const r = await render(dir, out);
    expect(r.code, r.stderr).toBe(0);
    for (const language of ['en', 'zh']) {
      const pdf = join(out, `press.${language}.pdf`);
      const text = pdftotext(pdf);
      // Whole: every piece of the word is on a page (text cut off at the page edge would be missing); the pieces in
      // order, leaving out the running header and footer where the word crosses a page.
      expect((text.match(/[W0-9xyz]{5,}/g) ?? []).join(''), language).toContain(word);
      // Wrapped: no printed line carries more than a page width of it.
      const longest = Math.max(...text.split('\n').map((line) => (line.match(/[W0-9xyz]+/g) ?? []).reduce((a, b) => Math.max(a, b.length), 0)));
      expect(longest, language).toBeLessThan(120);
      expect(pageCount(pdf), language).toBeLessThanOrEqual(16);
    }
  }, 180_000);

  it('a PDF that fails leaves nothing of its run: no HTML twin, figures file or chart; an earlier render stays as it was', async () => {
    const { dir } = editorial(oneCase({}));
    const fresh = join(tmp.dir, 'failed-fresh');
    const failed = await render(dir, fresh, { BULLETIN_PAGE_TIMEOUT_MS: '1' });
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stderr).toMatch(new RegExp(`^bulletin: ${join(fresh, 'press.en.pdf').replace(/[.]/g, '\\.')}: `));
    expect(existsSync(fresh) ? readdirSync(fresh, { recursive: true }) : []).toEqual([]);

    // A complete render, then a failed one into the same folder: every file as it was, no file added.
    const kept = join(tmp.dir, 'failed-kept');
    expect((await render(dir, kept)).code).toBe(0);
    const files = () =>
      Object.fromEntries(
        (readdirSync(kept, { recursive: true }) as string[])
          .filter((name) => statSync(join(kept, name)).isFile())
          .map((name) => [name, `${createHash('sha256').update(readFileSync(join(kept, name))).digest('hex')} ${statSync(join(kept, name)).mtimeMs}`]),
      );
    const before = files();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['press.en.pdf', 'press.en.html', 'press.en.figures.json', 'press.zh.pdf', 'press.zh.html']));
    const again = await render(dir, kept, { BULLETIN_PAGE_TIMEOUT_MS: '1' });
    expect(again.code).toBe(1);
    expect(files()).toEqual(before);
  }, 180_000);
});
