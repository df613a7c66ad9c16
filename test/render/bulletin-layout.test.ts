// The demo bulletins as a layout editor checks them, read back from the PDF (pdftotext -layout, page by page), not
// from the HTML: no page holds only the closing paragraph and "(End)"/"（完）"; tables of up to 12 rows on one page,
// longer ones with their header on every page; every chart whole on one page with its title; no date and no number
// with its unit broken across lines. The bulletins are those `npm run setup` makes (scripts/demo.sh, rendered here
// from a copy of its warehouse; the press bulletin's province table has 32 rows), plus the press bulletin of
// 2021-11-30 with 40 notable cases in each language: the editorial file stops at 30 (MAX_NOTABLE_CASES), so the 40
// are put into its HTML twin and printed by the same printer.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPrinter } from '../../pipeline/render/pdf.ts';
import { printerEnv, tempDir } from '../helpers.ts';
import { DEMO_RENDERS, demoBulletins, LANGUAGES } from './demo-bulletins.ts';
import { chartsNotWhole, pageCount, pdftotext, squeeze } from './poppler.ts';


interface Bulletin {
  name: string;
  pdf: string;
  html: string;
  charts: Record<string, string>;
  /** Per page, its lines as pdftotext -layout prints them. */
  pages: string[][];
}

interface HtmlTable {
  caption: string;
  header: string[];
  rows: string[][];
}

const decode = (s: string): string =>
  s.replace(/<[^>]*>/g, '').replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The tables of an HTML twin: caption, header cells and body rows (cell texts). */
export function htmlTables(html: string): HtmlTable[] {
  return [...html.matchAll(/<table[^>]*>([\s\S]*?)<\/table>/g)].map(([, body]) => {
    const cells = (row: string) => [...row.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((m) => decode(m[1]).trim());
    const head = /<thead>([\s\S]*?)<\/thead>/.exec(body)?.[1] ?? '';
    const tbody = /<tbody>([\s\S]*?)<\/tbody>/.exec(body)?.[1] ?? '';
    return { caption: decode(/<caption>([\s\S]*?)<\/caption>/.exec(body)?.[1] ?? '').trim(), header: cells(head), rows: [...tbody.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => cells(m[1])) };
  });
}

function readBulletin(name: string, pdf: string, html: string, charts: Record<string, string>): Bulletin {
  const pages = Array.from({ length: pageCount(pdf) }, (_, i) => pdftotext(pdf, i + 1).split('\n').filter((line) => line.trim() !== ''));
  return { name, pdf, html: readFileSync(html, 'utf8'), charts, pages };
}

/** Lines of a page without the running header (first line) and the footer (last line) that Chromium prints in the margins. */
const body = (page: string[]): string[] => page.slice(1, -1);

/** Faults of the closing: "(End)" not on the page of the whole closing paragraph, or that page holding nothing else. */
export function closingFaults(b: Bulletin): string[] {
  const closing = /<div class="closing">[\s\S]*?<p>([\s\S]*?)<\/p>\s*<p class="end-mark">([\s\S]*?)<\/p>/.exec(b.html);
  if (!closing) return [];
  const [paragraph, mark] = [squeeze(decode(closing[1])), squeeze(decode(closing[2]))];
  const texts = b.pages.map((page) => squeeze(body(page).join('')));
  const markPage = texts.findIndex((text) => text.endsWith(mark));
  if (markPage < 0) return [`${b.name}: the end mark ${mark} ends no page`];
  const faults: string[] = [];
  if (!texts[markPage].includes(paragraph + mark)) faults.push(`${b.name}: page ${markPage + 1}: the closing paragraph is not whole with ${mark}`);
  if (texts[markPage].replace(paragraph, '').replace(mark, '') === '') faults.push(`${b.name}: page ${markPage + 1} holds only the closing paragraph and ${mark}`);
  return faults;
}

/**
 * Faults of the tables, found in the PDF in order after their caption: a table of up to 12 rows on more than one page,
 * a caption on another page than the first row, a page of a longer table without the header above its rows.
 */
export function tableFaults(b: Bulletin, tables = htmlTables(b.html)): string[] {
  const lines = b.pages.flatMap((page, p) => page.map((line) => ({ page: p, text: squeeze(line) })));
  const faults: string[] = [];
  for (const table of tables) {
    const where = `${b.name}: table "${table.caption}" (${table.rows.length} rows)`;
    // The whole caption, else its first 30 characters (a caption that wraps); several captions start alike.
    const caption = squeeze(table.caption);
    let at = lines.findIndex((line) => line.text.includes(caption));
    if (at < 0) at = lines.findIndex((line) => line.text.includes(caption.slice(0, 30)));
    if (at < 0) {
      faults.push(`${where}: caption not found`);
      continue;
    }
    const captionPage = lines[at].page;
    const rowPages: number[] = [];
    for (const row of table.rows) {
      // A row's first cell may wrap: its first characters start a line; its last cell ends that line or a later one.
      const start = squeeze(row[0]).slice(0, 6);
      const found = lines.findIndex((line, i) => i > at && line.text.startsWith(start));
      if (found < 0) {
        faults.push(`${where}: row "${row[0]}" not found`);
        break;
      }
      at = found;
      rowPages.push(lines[found].page);
    }
    if (rowPages.length === 0) continue;
    const pages = [...new Set(rowPages)];
    if (rowPages[0] !== captionPage) faults.push(`${where}: caption on page ${captionPage + 1}, first row on page ${rowPages[0] + 1}`);
    if (table.rows.length <= 12 && pages.length > 1) faults.push(`${where}: split over pages ${pages.map((p) => p + 1).join(', ')}`);
    for (const page of pages.slice(1)) {
      const firstRow = squeeze(table.rows[rowPages.indexOf(page)][0]).slice(0, 6);
      const before = b.pages[page].map(squeeze);
      const headerLine = before.findIndex((line) => line.startsWith(squeeze(table.header[0])));
      const rowLine = before.findIndex((line) => line.startsWith(firstRow));
      if (headerLine < 0 || headerLine > rowLine) faults.push(`${where}: page ${page + 1} has rows without the header`);
    }
  }
  return faults;
}

const MONTHS = 'January|February|March|April|May|June|July|August|September|October|November|December';

/** Line ends that break a date or a number and its unit: "2021年10" / "月31日", "8307" / "名", "November" / "30, 2021", "74" / "years". */
export function breakFaults(b: Bulletin): string[] {
  const faults: string[] = [];
  const broken: [RegExp, RegExp][] = [
    [/\d$/, /^[年月日名起个场条余%]/],
    [/\d[年月]$/, /^\d{1,2}[月日]/],
    [new RegExp(`(${MONTHS})$`), /^\d/],
    [new RegExp(`(${MONTHS}) \\d{1,2},$`), /^\d{4}/],
    [/\d$/, /^(years?\b|%|per cent)/],
  ];
  b.pages.forEach((page, p) => {
    for (let i = 0; i + 1 < page.length; i++) {
      const [end, next] = [page[i].trimEnd(), page[i + 1].trimStart()];
      // Running text or a table cell, not a chart's axis labels ("350" above a rotated axis title): the last run of
      // the line (columns are set apart by two spaces or more) is a few characters long.
      if (end.trim().split(/\s{2,}/).at(-1)!.length >= 6 && broken.some(([a, z]) => a.test(end) && z.test(next))) faults.push(`${b.name}: page ${p + 1}: "${end.slice(-16)}" / "${next.slice(0, 16)}"`);
    }
  });
  return faults;
}

describe('the demo bulletins as a layout editor reads them', () => {
  let tmp: { dir: string; cleanup: () => void };
  const bulletins: Bulletin[] = [];

  beforeAll(async () => {
    tmp = tempDir('bulletin-page-layout-');
    for (const { asOf, template, language, out, pdf, html } of await demoBulletins()) {
      const prefix = `${template}.${language}.`;
      const charts = Object.fromEntries(
        readdirSync(join(out, 'charts'))
          .filter((f) => f.startsWith(prefix))
          .map((f) => [f, readFileSync(join(out, 'charts', f), 'utf8')]),
      );
      bulletins.push(readBulletin(`${template}.${language} ${asOf}`, pdf, html, charts));
    }
    // 40 notable cases, printed by one browser for both languages.
    const printer = await openPrinter({ env: printerEnv() });
    try {
      for (const language of LANGUAGES) {
        const source = bulletins.find((b) => b.name === `press.${language} 2021-11-30`)!;
        const cases = Array.from({ length: 40 }, (_, i) =>
          language === 'en'
            ? `<li><span class="case-title">Case ${i + 1}</span> A child missing since ${1980 + (i % 30)} was found through a DNA match and met the family again at a recognition event.</li>`
            : `<li><span class="case-title">案例${i + 1}</span> ${1980 + (i % 30)}年失踪的儿童经DNA比对找回，在认亲活动中与家人团聚。</li>`,
        );
        // As the notable-cases partial prints them: all but the last in the list, the last opening the closing block.
        const html = source.html
          .replace(/<ul class="notable-cases">[\s\S]*?<\/ul>\s*<div class="closing">\s*<ul class="notable-cases">[\s\S]*?<\/ul>/, `<ul class="notable-cases">${cases.slice(0, -1).join('\n')}</ul>\n<div class="closing">\n<ul class="notable-cases">${cases.at(-1)}</ul>`);
        expect(html).not.toBe(source.html);
        const pdf = join(tmp.dir, `press.${language}.40-cases.pdf`);
        const htmlFile = join(tmp.dir, `press.${language}.40-cases.html`);
        writeFileSync(htmlFile, html);
        await printer.print({ html, outFile: pdf, headerText: 'Reunion 2021', footerText: '{page}/{pages}' });
        bulletins.push(readBulletin(`press.${language} 2021-11-30 with 40 notable cases`, pdf, htmlFile, source.charts));
      }
    } finally {
      await printer.close();
    }
  }, 240_000);
  afterAll(() => (process.env.KEEP_LAYOUT_PDFS ? console.log(tmp?.dir) : tmp?.cleanup()));

  it('renders every demo bulletin, the press bulletin with a province table of 32 rows', () => {
    expect(bulletins.map((b) => b.name)).toHaveLength(DEMO_RENDERS.length * 2 + 2);
    const press = bulletins.find((b) => b.name === 'press.en 2021-11-30')!;
    expect(htmlTables(press.html).map((t) => t.rows.length)).toContain(32);
    for (const b of bulletins.filter((b) => b.name.includes('40'))) expect(b.html.match(/<li>/g)).toHaveLength(40);
  });

  it('no page holds only the closing paragraph, and "(End)" / "（完）" stays with it', () => {
    const press = bulletins.filter((b) => b.name.startsWith('press'));
    expect(press.every((b) => b.html.includes('<div class="closing">'))).toBe(true);
    expect(press.flatMap(closingFaults)).toEqual([]);
  });

  it('tables of up to 12 rows are never split; longer ones have their header on every page', () => {
    expect(bulletins.flatMap((b) => tableFaults(b))).toEqual([]);
  });

  it('every chart, with its title, is whole on one page', () => {
    expect(bulletins.flatMap((b) => chartsNotWhole(b.charts, b.pages.map((page) => squeeze(page.join(''))))).filter(Boolean)).toEqual([]);
  });

  it('no date and no number with its unit breaks across lines', () => {
    expect(bulletins.flatMap(breakFaults)).toEqual([]);
  });
});
