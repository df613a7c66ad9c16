// Page layout of the print stylesheet in real Chromium: the bulletins' own partials (document, chart,
// breakdown-table) and stylesheet, real chart SVGs pushed onto page boundaries by spacers of many heights, and a
// table long enough to run over pages. Read back per page with pdftotext. Each check is run once more with the rule
// under test overridden, to show the check sees the fault it guards against.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_IDS, renderCharts } from '../../pipeline/charts/charts.ts';
import { openPrinter, type Printer } from '../../pipeline/render/pdf.ts';
import { fillSource, templateSources } from '../../pipeline/render/templates.ts';
import { figures, options } from '../charts/figures.ts';
import { printerEnv, tempDir } from '../helpers.ts';
import { chartsNotWhole, pageCount, pdftotext, squeeze } from './poppler.ts';

const SOURCE = `{{#> document}}
{{{override.css}}}
{{#each blocks}}<p style="height: {{spacer}}mm">Spacer {{@index}}</p>
{{> chart chart=this.chart}}
{{/each}}
{{> breakdown-table rows=rows caption="Long table" head_name="Province" head_value="Recovered"}}
{{/document}}`;

describe('print layout', () => {
  let tmp: { dir: string; cleanup: () => void };
  let printer: Printer;
  let charts: Record<string, string>;

  beforeAll(async () => {
    tmp = tempDir('bulletin-layout-');
    printer = await openPrinter({ env: printerEnv() });
    // Both languages: twelve different charts, each once.
    const en = await renderCharts(figures, options({ language: 'en' }));
    const zh = await renderCharts(figures, options({ language: 'zh' }));
    charts = Object.fromEntries(CHART_IDS.flatMap((id) => [[`${id}.en`, en[id]], [`${id}.zh`, zh[id]]]));
  }, 60_000);
  afterAll(async () => {
    await printer?.close();
    tmp?.cleanup();
  });

  /** Prints the test document: every chart after a spacer of varying height, then a table of `rows` rows. */
  async function print(name: string, overrideCss: string, rows: number): Promise<{ pages: string[] }> {
    // Spacers from 15 to 125 mm: with charts of 70-110 mm on a 259 mm page, several land across a page boundary.
    const blocks = Object.values(charts).map((svg, i) => ({ spacer: 15 + ((i * 37) % 111), chart: { svg } }));
    const tableRows = Array.from({ length: rows }, (_, i) => ({ name: `Province ${String(i).padStart(3, '0')}`, shown: String(1000 + i), suppressed: false }));
    const { partials } = templateSources('press', 'en');
    const { html } = fillSource(SOURCE, partials, { title: 'Layout', html_lang: 'en', template: 'layout', blocks, rows: tableRows, override: { css: overrideCss } }, 'layout test');
    const file = join(tmp.dir, `${name}.pdf`);
    await printer.print({ html, outFile: file, headerText: 'Layout', footerText: '{page}/{pages}' });
    return { pages: Array.from({ length: pageCount(file) }, (_, i) => squeeze(pdftotext(file, i + 1))) };
  }

  it('no chart is cut across pages', async () => {
    const { pages } = await print('charts', '', 0);
    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(chartsNotWhole(charts, pages)).toEqual([]);
  }, 60_000);

  it('the check sees a chart not wholly on its page: charts scaled past the page edge lose words', async () => {
    // Chromium never slices an SVG: one that does not fit moves to the next page, one larger than the page is
    // clipped at its edge. A clipped chart is the fault this check can meet, so that is the fault shown here.
    const { pages } = await print('charts-cut', '<style>figure.chart svg { transform: scale(3); transform-origin: top left; }</style>', 0);
    expect(chartsNotWhole(charts, pages).length).toBeGreaterThan(0);
  }, 60_000);

  /** Pages carrying rows of the table without its header row. */
  function pagesWithoutHeader(pages: string[]): number[] {
    return pages.flatMap((page, i) => (/Province\d{3}/.test(page) && !page.includes('ProvinceRecovered') ? [i + 1] : []));
  }

  it('a table running over pages repeats its header row on each, and no row is cut', async () => {
    const rows = 150;
    const { pages } = await print('table', '', rows);
    const tablePages = pages.filter((page) => /Province\d{3}/.test(page));
    expect(tablePages.length).toBeGreaterThanOrEqual(3);
    expect(pagesWithoutHeader(pages)).toEqual([]);
    // Every row once, its name and value together.
    const all = pages.join('');
    for (let i = 0; i < rows; i++) {
      const row = `Province${String(i).padStart(3, '0')}${1000 + i}`;
      expect(all.split(row).length - 1, row).toBe(1);
    }
  }, 60_000);

  it('the check sees a missing header: with the header as an ordinary row group it is printed once', async () => {
    const { pages } = await print('table-once', '<style>thead { display: table-row-group !important; }</style>', 150);
    expect(pagesWithoutHeader(pages).length).toBeGreaterThan(0);
  }, 60_000);
});
