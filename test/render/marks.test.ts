// The press desk's marks on the bulletins (desk.md rules 3, 4, 6, 8), in real Chromium, read back per page with
// poppler: a draft says DRAFT / 草稿 across every page and in its header, a pre-release copy EMBARGOED until <time> /
// <time>前不得发布, an unreviewed edition "Not reviewed" / "未经审核" in every footer, an unmarked one none of these;
// a correction note at the top of page 1, escaped; the editorial file used and the files not read; the pre-release
// access annex. The conformance sample is loaded into a real warehouse as test/render/render.test.ts does.
//
// The watermark is read with `pdftotext -raw` (content-stream order): its diagonal glyphs then come out as one run,
// so a page carrying it has the mark twice, once in the header and once across the page.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_IDS, renderCharts } from '../../pipeline/charts/charts.ts';
import { UsageError } from '../../pipeline/errors.ts';
import { renderPrereleaseAnnex } from '../../pipeline/render/annex.ts';
import { findEditorial } from '../../pipeline/render/editorial.ts';
import { checkMarks, markContext, type Correction, type DeskMark } from '../../pipeline/render/marks.ts';
import { openPrinter, type Printer } from '../../pipeline/render/pdf.ts';
import { renderBulletin, type RenderResult } from '../../pipeline/render/render.ts';
import { fillSource, templateSources } from '../../pipeline/render/templates.ts';
import { figures as chartFigures, options as chartOptions } from '../charts/figures.ts';
import { conformanceWarehouse } from '../conformance.ts';
import { printerEnv, repoRoot, runCli, tempDir } from '../helpers.ts';
import { chartsNotWhole, pageCount, pdftotext, rawPage, squeeze } from './poppler.ts';

const AS_OF = '2021-11-30';
const UNTIL = '2021-12-01 09:30';
const TEMPLATES = ['press', 'briefing'] as const;
const LANGS = ['en', 'zh'] as const;
type Template = (typeof TEMPLATES)[number];
type Lang = (typeof LANGS)[number];
type Kind = 'none' | 'draft' | 'embargoed' | 'unreviewed';

/** The words of each mark, as the spec states them (squeezed: pdftotext's spaces do not matter). */
const DRAFT = { en: 'DRAFT', zh: '草稿' };
const EMBARGO = { en: squeeze(`EMBARGOED until ${UNTIL}`), zh: squeeze(`${UNTIL}前不得发布`) };
const UNREVIEWED = { en: 'Not reviewed', zh: '未经审核' };
const MARK_WORDS = ['DRAFT', '草稿', 'EMBARGOED', '不得发布', 'Notreviewed', '未经审核'];

/** A correction note that holds markup and template syntax: printed as written. */
const NOTE = {
  en: 'The number of suspects arrested was wrong <script>alert(1)</script> {{figures}} & "fixed"',
  zh: '抓获犯罪嫌疑人数有误<script>alert(1)</script>{{figures}}，已更正',
};
const CORRECTION: Correction = { date: '2021-12-03', note: NOTE };

const occurrences = (text: string, word: string): number => text.split(word).length - 1;
/** The printed lines of one page, as laid out: the first is the running header, the last the footer. */
const pageLines = (file: string, page: number): string[] => pdftotext(file, page).split('\n').filter((l) => l.trim() !== '');
const pages = (file: string): number[] => Array.from({ length: pageCount(file) }, (_, i) => i + 1);

describe('desk marks on the bulletins', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: string;
  let editorialDir: string;
  const previousEditorialDir = process.env.BULLETIN_EDITORIAL_DIR;
  const results = new Map<string, RenderResult>();
  // One Chromium for every render of this file.
  let printer: Printer;
  const out = (template: Template, kind: Kind) => join(tmp.dir, `${template}-${kind}`);
  const pdf = (template: Template, kind: Kind, lang: Lang) => join(out(template, kind), `${template}.${lang}.pdf`);

  beforeAll(async () => {
    tmp = tempDir('bulletin-marks-');
    db = conformanceWarehouse(join(tmp.dir, 'warehouse.duckdb'));
    // The demo's notable cases, so the press bulletin has the length it has in use.
    editorialDir = join(tmp.dir, 'editorial');
    mkdirSync(editorialDir);
    copyFileSync(join(repoRoot, 'data', 'editorial', '2021-11.yaml'), join(editorialDir, '2021-11.yaml'));
    process.env.BULLETIN_EDITORIAL_DIR = editorialDir;
    const marks: Record<Kind, { mark?: DeskMark; correction?: Correction }> = {
      none: {},
      draft: { mark: { kind: 'draft' } },
      embargoed: { mark: { kind: 'embargoed', until: UNTIL } },
      // The correction rides on the unreviewed render: its box may move page breaks, which the draft must not.
      unreviewed: { mark: { kind: 'unreviewed' }, correction: CORRECTION },
    };
    printer = await openPrinter({ env: printerEnv() });
    for (const template of TEMPLATES) {
      for (const kind of Object.keys(marks) as Kind[]) {
        results.set(`${template}-${kind}`, await renderBulletin({ dbPath: db, asOf: AS_OF, template, out: out(template, kind), ...marks[kind], printer }));
      }
    }
  }, 900_000);

  afterAll(async () => {
    await printer?.close();
    if (previousEditorialDir === undefined) delete process.env.BULLETIN_EDITORIAL_DIR;
    else process.env.BULLETIN_EDITORIAL_DIR = previousEditorialDir;
    tmp?.cleanup();
  });

  it('a draft says DRAFT / 草稿 on every page, across the page and in the running header', () => {
    for (const template of TEMPLATES) {
      for (const lang of LANGS) {
        const file = pdf(template, 'draft', lang);
        expect(pageCount(file), file).toBeGreaterThanOrEqual(2);
        for (const page of pages(file)) {
          // Header and watermark: twice.
          expect(occurrences(rawPage(file, page), DRAFT[lang]), `${template}.${lang} page ${page}`).toBeGreaterThanOrEqual(2);
          expect(squeeze(pageLines(file, page)[0]), `${template}.${lang} page ${page} header`).toMatch(new RegExp(`^${DRAFT[lang]}·`));
        }
        // Nothing of another mark.
        const all = squeeze(pdftotext(file));
        for (const word of MARK_WORDS.filter((w) => w !== DRAFT[lang])) expect(all, `${template}.${lang}`).not.toContain(word);
      }
    }
  });

  it('a pre-release copy says EMBARGOED until <time> / <time>前不得发布 on every page, across it and in the header', () => {
    for (const template of TEMPLATES) {
      for (const lang of LANGS) {
        const file = pdf(template, 'embargoed', lang);
        for (const page of pages(file)) {
          expect(occurrences(rawPage(file, page), EMBARGO[lang]), `${template}.${lang} page ${page}`).toBeGreaterThanOrEqual(2);
          expect(squeeze(pageLines(file, page)[0]), `${template}.${lang} page ${page} header`).toContain(EMBARGO[lang]);
        }
        const all = squeeze(pdftotext(file));
        for (const word of ['DRAFT', '草稿', 'Notreviewed', '未经审核']) expect(all, `${template}.${lang}`).not.toContain(word);
      }
    }
    // China time is said as such.
    expect(squeeze(pageLines(pdf('press', 'embargoed', 'en'), 1)[0])).toContain(squeeze(`EMBARGOED until ${UNTIL} (China time)`));
    expect(squeeze(pageLines(pdf('press', 'embargoed', 'zh'), 1)[0])).toContain(squeeze(`北京时间${UNTIL}前不得发布`));
  });

  it('an unreviewed edition says "Not reviewed" / "未经审核" in the footer of every page, and has no watermark', () => {
    for (const template of TEMPLATES) {
      for (const lang of LANGS) {
        const file = pdf(template, 'unreviewed', lang);
        const count = pageCount(file);
        for (const page of pages(file)) {
          const footer = squeeze(pageLines(file, page).at(-1)!);
          expect(footer, `${template}.${lang} page ${page}`).toMatch(new RegExp(`^${squeeze(UNREVIEWED[lang])}·`));
          expect(footer, `${template}.${lang} page ${page}`).toContain(lang === 'en' ? `${page}of${count}` : `第${page}页，共${count}页`);
        }
        const all = squeeze(pdftotext(file));
        for (const word of ['DRAFT', '草稿', 'EMBARGOED', '不得发布']) expect(all, `${template}.${lang}`).not.toContain(word);
      }
    }
  });

  it('an unmarked bulletin has none of the marks anywhere: PDF pages or HTML twin', () => {
    for (const template of TEMPLATES) {
      for (const lang of LANGS) {
        const file = pdf(template, 'none', lang);
        for (const page of pages(file)) {
          const text = rawPage(file, page);
          for (const word of MARK_WORDS) expect(text, `${template}.${lang} page ${page}: ${word}`).not.toContain(word);
        }
        const html = readFileSync(join(out(template, 'none'), `${template}.${lang}.html`), 'utf8');
        expect(html).not.toMatch(/desk-watermark"|correction-note"|DRAFT|草稿|EMBARGOED|不得发布|Not reviewed|未经审核/);
        expect(squeeze(pdftotext(file))).not.toMatch(/Correctedon|更正：/);
      }
    }
  });

  it('the marks move nothing: same page count as the unmarked bulletin, every chart whole on one page', () => {
    for (const template of TEMPLATES) {
      for (const lang of LANGS) {
        const unmarked = pageCount(pdf(template, 'none', lang));
        for (const kind of ['draft', 'embargoed'] as const) {
          const file = pdf(template, kind, lang);
          expect(pageCount(file), `${template}.${lang} ${kind}`).toBe(unmarked);
          const texts = pages(file).map((page) => squeeze(pdftotext(file, page)));
          const chartsDir = join(out(template, kind), 'charts');
          const charts = Object.fromEntries(
            readdirSync(chartsDir)
              .filter((f) => f.startsWith(`${template}.${lang}.`))
              .map((f) => [f, readFileSync(join(chartsDir, f), 'utf8')]),
          );
          expect(Object.keys(charts)).toHaveLength(6);
          expect(chartsNotWhole(charts, texts), `${template}.${lang} ${kind}`).toEqual([]);
        }
      }
    }
  });

  it('the figures file is the same whatever the mark (the desk hashes it): only rendered_at differs', () => {
    for (const template of TEMPLATES) {
      for (const lang of LANGS) {
        const read = (kind: Kind) => {
          const doc = JSON.parse(readFileSync(join(out(template, kind), `${template}.${lang}.figures.json`), 'utf8'));
          delete doc.rendered_at;
          return doc;
        };
        for (const kind of ['draft', 'embargoed', 'unreviewed'] as const) expect(read(kind), `${template}.${lang} ${kind}`).toEqual(read('none'));
      }
    }
  });

  it('a correction says "Corrected on <date>: <note>" / "<date>更正：<note>" at the top of page 1, as text, in a box', () => {
    for (const template of TEMPLATES) {
      for (const lang of LANGS) {
        const file = pdf(template, 'unreviewed', lang);
        const lead = lang === 'en' ? 'Corrected on December 3, 2021: ' : '2021年12月3日更正：';
        const lines = pageLines(file, 1);
        // The line under the running header: the box comes before everything else of the page.
        expect(squeeze(lines[1]), `${template}.${lang}`).toMatch(new RegExp(`^${squeeze(lead)}`));
        expect(squeeze(pdftotext(file, 1)), `${template}.${lang}`).toContain(squeeze(lead + NOTE[lang]));
        for (const page of pages(file).slice(1)) expect(squeeze(pdftotext(file, page)), `${template}.${lang} page ${page}`).not.toContain(squeeze(lead));
        const html = readFileSync(join(out(template, 'unreviewed'), `${template}.${lang}.html`), 'utf8');
        expect(html).toContain('class="correction-note"');
        expect(html).not.toContain('<script>');
        expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      }
    }
  });

  it('reports the editorial file used and no warning for the folder of the demo', () => {
    for (const [key, result] of results) {
      expect(result.editorialFile, key).toBe(join(editorialDir, '2021-11.yaml'));
      expect(result.editorialWarnings, key).toEqual([]);
    }
  });

  it('the render command names the editorial file used or "no editorial file", and warns of each file not read', async () => {
    const folder = join(tmp.dir, 'editorial-cli');
    mkdirSync(folder);
    const render = (name: string) =>
      runCli(['render', '--db', db, '--as-of', AS_OF, '--template', 'briefing', '--lang', 'en', '--out', join(tmp.dir, name)], { BULLETIN_EDITORIAL_DIR: folder });
    const none = await render('cli-none');
    expect(none.code, none.stderr).toBe(0);
    expect(none.stderr).toMatch(/^rendered briefing of reunion-2021 as of 2021-11-30 from snapshot \S+, no editorial file: 1 PDF in /);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);

    copyFileSync(join(editorialDir, '2021-11.yaml'), join(folder, '2021-11.yaml'));
    writeFileSync(join(folder, '2021-11.yml'), 'notable_cases: []\n');
    writeFileSync(join(folder, 'november.yaml'), 'notable_cases: []\n');
    const used = await render('cli-used');
    expect(used.code, used.stderr).toBe(0);
    const lines = used.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^rendered briefing of reunion-2021 as of 2021-11-30 from snapshot \S+, editorial file \S*2021-11\.yaml: 1 PDF in /);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^bulletin: warning: \S*2021-11\.yml: not read: an editorial file is named <YYYY-MM>\.yaml; a bulletin as of 2021-11-30 reads 2021-11\.yaml$/),
      expect.stringMatching(/^bulletin: warning: \S*november\.yaml: not read: /),
    ]);
  }, 180_000);

  it('a pre-release access annex per language lists each recipient, time (China) and reason, escaped; None / 无 when empty', async () => {
    const dir = join(tmp.dir, 'annex');
    const entries = [
      // Listed oldest first whatever the order given; times in China time (UTC+8).
      { recipient: 'chief@example.org', at: '2021-12-01T00:45:00Z', reason: 'Briefing the minister <b>before</b> the press conference' },
      { recipient: 'xinhua-desk@example.org', at: '2021-11-30T23:10:00-01:00', reason: '新华社提前准备通稿' },
    ];
    const written = await renderPrereleaseAnnex({ outDir: dir, template: 'press', asOf: AS_OF, operationName: { en: 'Reunion 2021', zh: '团圆行动2021' }, entries, languages: ['en', 'zh'] });
    expect(written).toEqual([
      { language: 'en', pdf: join(dir, 'prerelease-access.en.pdf') },
      { language: 'zh', pdf: join(dir, 'prerelease-access.zh.pdf') },
    ]);
    const en = squeeze(pdftotext(written[0].pdf));
    expect(en).toContain('Pre-releaseaccess');
    expect(en).toContain(squeeze('Bulletin of the “Reunion” operation'));
    expect(en).toContain('asofNovember30,2021');
    expect(en).toContain('RecipientTime(China)Reason');
    expect(en).toContain(squeeze('chief@example.org 2021-12-01 08:45 Briefing the minister <b>before</b> the press conference'));
    expect(en).toContain(squeeze('xinhua-desk@example.org 2021-12-01 08:10'));
    expect(en.indexOf('xinhua-desk')).toBeLessThan(en.indexOf('chief@'));
    expect(en).not.toMatch(/DRAFT|EMBARGOED/);
    const zh = squeeze(pdftotext(written[1].pdf));
    expect(zh).toContain('发布前知悉人员');
    expect(zh).toContain('“团圆”行动通报');
    expect(zh).toContain('截至2021年11月30日');
    expect(zh).toContain(squeeze('xinhua-desk@example.org 2021-12-01 08:10 新华社提前准备通稿'));
    expect(readdirSync(dir).sort()).toEqual(['prerelease-access.en.pdf', 'prerelease-access.zh.pdf']);

    const empty = join(tmp.dir, 'annex-empty');
    await renderPrereleaseAnnex({ outDir: empty, template: 'briefing', asOf: AS_OF, operationName: { en: 'Reunion 2021', zh: '团圆行动2021' }, entries: [], languages: ['zh', 'en'] });
    expect(squeeze(pdftotext(join(empty, 'prerelease-access.en.pdf')))).toContain('RecipientTime(China)ReasonNone');
    expect(squeeze(pdftotext(join(empty, 'prerelease-access.zh.pdf')))).toContain('收件人时间（北京时间）事由无');
    // The briefing's running header keeps it internal.
    expect(pdftotext(join(empty, 'prerelease-access.en.pdf'), 1)).toContain('INTERNAL – NOT FOR PUBLICATION');
  }, 120_000);

  it('an annex entry that is not plain data is refused naming the entry, and nothing is written', async () => {
    const base = { template: 'press', asOf: AS_OF, operationName: { en: 'Reunion 2021', zh: '团圆行动2021' }, languages: ['en' as const] };
    const good = { recipient: 'a@example.org', at: '2021-12-01T00:45:00Z', reason: 'r' };
    const cases: [Partial<typeof good>, RegExp][] = [
      [{ at: '2021-12-01 08:45' }, /entry 2: at '2021-12-01 08:45' is not an ISO instant/],
      [{ at: '2021-13-01T00:45:00Z' }, /entry 2: at .* is not an ISO instant/],
      [{ at: 'yesterday' }, /entry 2: at 'yesterday' is not an ISO instant/],
      [{ recipient: '' }, /entry 2: recipient: empty/],
      [{ recipient: 'a@example.org\r\nBcc: x@example.org' }, /entry 2: recipient: the character U\+000D \(CR\)/],
      [{ reason: 'text \u202Eesrever' }, /entry 2: reason: the character U\+202E \(RIGHT-TO-LEFT OVERRIDE\)/],
      [{ reason: 'x'.repeat(1001) }, /entry 2: reason: 1001 characters, more than the 1000 allowed/],
    ];
    for (const [bad, message] of cases) {
      const dir = join(tmp.dir, `annex-bad-${cases.findIndex((c) => c[0] === bad)}`);
      await expect(renderPrereleaseAnnex({ ...base, outDir: dir, entries: [good, { ...good, ...bad }] }), JSON.stringify(bad)).rejects.toThrow(message);
      expect(existsSync(dir)).toBe(false);
    }
    await expect(renderPrereleaseAnnex({ ...base, outDir: join(tmp.dir, 'annex-lang'), entries: [], languages: ['fr' as 'en'] })).rejects.toThrow(/'fr' is not one of en, zh/);
    await expect(renderPrereleaseAnnex({ ...base, outDir: join(tmp.dir, 'annex-lang'), entries: [], languages: [] })).rejects.toThrow(UsageError);
  });

  it('a bad mark or correction is a usage error before anything is computed or written', async () => {
    const refused: [DeskMark | undefined, Correction | undefined, RegExp][] = [
      [{ kind: 'embargoed', until: '2021-12-01T09:30' }, undefined, /embargoed until '2021-12-01T09:30' is not a time YYYY-MM-DD HH:MM/],
      [{ kind: 'embargoed', until: '2021-12-01 24:00' }, undefined, /is not a time/],
      [{ kind: 'embargoed', until: '2021-02-29 09:30' }, undefined, /is not a time/],
      [{ kind: 'embargoed', until: '2021-12-01 09:30\n<b>' }, undefined, /'2021-12-01 09:30<U\+000A><b>' is not a time/],
      [{ kind: 'final' } as unknown as DeskMark, undefined, /'final' is not one of draft, embargoed, unreviewed/],
      [undefined, { date: '2021-12-32', note: NOTE }, /correction: date '2021-12-32' is not a date/],
      [undefined, { date: '2021-12-03', note: { en: ' ', zh: '更正' } }, /correction: the en note is empty/],
      [undefined, { date: '2021-12-03', note: { en: 'ok', zh: '更正\u202E' } }, /the zh note has the character U\+202E \(RIGHT-TO-LEFT OVERRIDE\) \(character 3\)/],
      [undefined, { date: '2021-12-03', note: { en: 'ok\u0007', zh: '更正' } }, /the en note has the character U\+0007/],
      [undefined, { date: '2021-12-03', note: { en: 'x'.repeat(3001), zh: '更正' } }, /the en note has 3001 characters/],
    ];
    for (const [mark, correction, message] of refused) {
      expect(() => checkMarks(mark, correction), message.source).toThrow(message);
      const dir = join(tmp.dir, 'refused-mark');
      await expect(renderBulletin({ dbPath: join(tmp.dir, 'no-such.duckdb'), asOf: AS_OF, out: dir, mark, correction })).rejects.toThrow(UsageError);
      expect(existsSync(dir)).toBe(false);
    }
    // Fine: a note over lines, with tabs; every mark; none.
    expect(() => checkMarks({ kind: 'embargoed', until: '2021-12-31 23:59' }, { date: '2021-12-03', note: { en: 'a\n\tb', zh: '更正' } })).not.toThrow();
    expect(markContext(undefined, undefined, 'en')).toEqual({ watermark: null, correction: null });
  });

  it('the watermark check sees a watermark that is not on every page (one not position: fixed is printed once)', async () => {
    // The layout test's document (every chart, a long table) with a draft mark, printed twice: as the stylesheet
    // has it, and with the watermark in the flow. The first keeps charts whole and table headers repeated.
    const en = await renderCharts(chartFigures, chartOptions({ language: 'en' }));
    const charts = Object.fromEntries(CHART_IDS.map((id) => [id, en[id]]));
    const source = `{{#> document}}{{{override.css}}}{{#each blocks}}<p style="height: {{spacer}}mm">Spacer {{@index}}</p>{{> chart chart=this.chart}}{{/each}}
{{> breakdown-table rows=rows caption="Long table" head_name="Province" head_value="Recovered"}}{{/document}}`;
    const blocks = Object.values(charts).map((svg, i) => ({ spacer: 15 + ((i * 37) % 111), chart: { svg } }));
    const rows = Array.from({ length: 150 }, (_, i) => ({ name: `Province ${String(i).padStart(3, '0')}`, shown: String(1000 + i), suppressed: false }));
    const { partials } = templateSources('press', 'en');
    const print = async (name: string, css: string) => {
      const context = { title: 'Layout', html_lang: 'en', template: 'layout', blocks, rows, override: { css }, desk: markContext({ kind: 'draft' }, undefined, 'en') };
      const { html } = fillSource(source, partials, context, 'marks test');
      const file = join(tmp.dir, `${name}.pdf`);
      await printer.print({ html, outFile: file, headerText: 'Layout', footerText: '{page}/{pages}' });
      return file;
    };
    const fixed = await print('watermark-fixed', '');
    const n = pageCount(fixed);
    expect(n).toBeGreaterThanOrEqual(6);
    expect(pages(fixed).filter((page) => occurrences(rawPage(fixed, page), 'DRAFT') !== 1)).toEqual([]);
    const texts = pages(fixed).map((page) => squeeze(pdftotext(fixed, page)));
    expect(chartsNotWhole(charts, texts)).toEqual([]);
    expect(texts.filter((page) => /Province\d{3}/.test(page) && !page.includes('ProvinceRecovered'))).toEqual([]);

    const inFlow = await print('watermark-static', '<style>.desk-watermark { position: static !important; }</style>');
    const without = pages(inFlow).filter((page) => occurrences(rawPage(inFlow, page), 'DRAFT') === 0);
    expect(without.length).toBeGreaterThan(0);
  }, 180_000);

  it('skipReleaseGuard renders a public bulletin whose figure fell below the released one; without it, refused', async () => {
    const release = await runCli(['metrics', '--db', db, '--as-of', '2021-10-31', '--release']);
    expect(release.code, release.stderr).toBe(0);
    const instance = await DuckDBInstance.create(`${db}.releases.duckdb`);
    const connection = await instance.connect();
    await connection.run(`UPDATE releases SET figures = json_merge_patch(figures, '{"recovered": 999999}')`);
    connection.closeSync();
    instance.closeSync();
    const guarded = join(tmp.dir, 'guarded');
    await expect(renderBulletin({ dbPath: db, asOf: AS_OF, lang: 'en', out: guarded })).rejects.toThrow(/consistency check failed for reunion-2021: recovered fell from 999999/);
    expect(existsSync(join(guarded, 'press.en.pdf'))).toBe(false);
    const skipped = await renderBulletin({ dbPath: db, asOf: AS_OF, lang: 'en', out: join(tmp.dir, 'unguarded'), skipReleaseGuard: true, mark: { kind: 'draft' }, printer });
    expect(skipped.files.map((f) => f.language)).toEqual(['en']);
    expect(occurrences(rawPage(skipped.files[0].pdf, 1), 'DRAFT')).toBeGreaterThanOrEqual(2);
  }, 120_000);
});

describe('editorial files not read for a date', () => {
  it('warns of each file that looks meant for a bulletin but is not read: other names, the next month; not other months', () => {
    const tmp = tempDir('bulletin-editorial-names-');
    try {
      const dir = tmp.dir;
      const files = [
        '2021-11.yaml', // read
        '2021-10.yaml', // an earlier month: read by its own bulletins
        '2020-12.yaml',
        '2021-12.yaml', // the next month: the likely slip, warned
        '2022-01.yaml', // a later bulletin's own file: not warned
        '2021-11.yml',
        '2021-11.YAML',
        'november.yaml',
        '2021-11-30.yaml',
        '2021_11.yaml',
        '2021-13.yaml',
        '2021-11.yaml.bak',
        '2021-11.txt',
        'README.md', // not meant for a bulletin
        'notes.txt',
        '.2021-11.yaml.swp', // hidden: an editor's
        '2021-11.yaml~',
        '2021-11\u202E.yaml', // shown safely
      ];
      for (const name of files) writeFileSync(join(dir, name), 'notable_cases: []\n');
      mkdirSync(join(dir, '2021-12-drafts.yaml')); // a folder: not a file
      const found = findEditorial(AS_OF, dir);
      expect(found.file).toBe(join(dir, '2021-11.yaml'));
      const named = (warning: string) => /\/([^/]+): not read/.exec(warning)![1];
      expect(found.warnings.map(named).sort()).toEqual(
        ['2021-11<U+202E>.yaml', '2021-11-30.yaml', '2021-11.YAML', '2021-11.txt', '2021-11.yaml.bak', '2021-11.yml', '2021-12.yaml', '2021-13.yaml', '2021_11.yaml', 'november.yaml'].sort(),
      );
      expect(found.warnings.find((w) => w.includes('2021-12.yaml'))).toMatch(/not read: it is the editorial file of 2021-12, a bulletin as of 2021-11-30 reads 2021-11\.yaml$/);
      for (const warning of found.warnings) expect(warning).not.toMatch(/[\u0000-\u001f\u202e]/);

      // No file for the month: null; no folder at all: null and no warning. Rendering September again while
      // November's file exists is no slip: only the next month's file (October's) is named.
      const september = findEditorial('2021-09-30', dir);
      expect(september.file).toBeNull();
      expect(september.warnings.filter((w) => /\/20\d\d-\d\d\.yaml: not read: it is the editorial file/.test(w)).map(named)).toEqual(['2021-10.yaml']);
      expect(findEditorial(AS_OF, join(dir, 'missing'))).toEqual({ file: null, warnings: [] });
    } finally {
      tmp.cleanup();
    }
  });
});
