// `bulletin render` end to end: the conformance sample loaded into a real warehouse, both bulletins in both
// languages printed by real Chromium, the PDFs read back with poppler (pdftotext, pdffonts, pdfinfo).
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { conformanceWarehouse } from '../conformance.ts';
import { conformanceDir, runCli, tempDir, type CliResult } from '../helpers.ts';
import { personalValuesIn, personalValuesInText } from '../pii.ts';
import { BULLETIN_FACES, chartsNotWhole, fontNames, pageCount, pdffonts, pdftotext, squeeze } from './poppler.ts';

const expected = JSON.parse(readFileSync(join(conformanceDir, 'expected.json'), 'utf8'));
const final = expected.final.metrics as Record<string, unknown> & { recovered: number; cold_cases_solved: number; suspects_arrested: number };
const AS_OF = expected.final.as_of as string; // 2021-11-30, in the configured operation reunion-2021

/** Press rounding as metrics.md states it, written here independently of pipeline/publish/rules.ts. */
function pressForm(count: number, language: 'en' | 'zh'): string {
  const digits = String(count).length;
  const rounded = digits <= 2 ? count : Math.floor(count / 10 ** (digits - 2)) * 10 ** (digits - 2);
  const number = (n: number) => (language === 'zh' ? String(n) : n.toLocaleString('en-US'));
  if (rounded === count) return number(count);
  return language === 'zh' ? `${number(rounded)}余` : `more than ${number(rounded)}`;
}


describe('bulletin render', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: string;
  let editorialDir: string;
  let server: Server;
  let requests: string[];
  let port: number;
  let press: CliResult;
  let briefing: CliResult;
  const out = () => join(tmp.dir, 'out');
  const env = () => ({ BULLETIN_EDITORIAL_DIR: editorialDir });

  beforeAll(async () => {
    tmp = tempDir('bulletin-render-');
    db = conformanceWarehouse(join(tmp.dir, 'warehouse.duckdb'));
    requests = [];
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.end('x');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
    editorialDir = join(tmp.dir, 'editorial');
    mkdirSync(editorialDir);
    const evil = [
      '<script>fetch("http://127.0.0.1:PORT/script")</script>',
      '<img src="http://127.0.0.1:PORT/img">',
      '<a href="javascript:alert(1)">javascript:alert(1)</a>',
    ].map((s) => s.replaceAll('PORT', String(port)));
    writeFileSync(
      join(editorialDir, `${AS_OF.slice(0, 7)}.yaml`),
      `notable_cases:\n${evil.map((s, i) => `  - title: { en: ${JSON.stringify(`Case ${i} ${s}`)}, zh: ${JSON.stringify(`案例${i} ${s}`)} }\n    en: ${JSON.stringify(s)}\n    zh: ${JSON.stringify(s)}\n`).join('')}`,
    );
    // A released bulletin a month earlier: the briefing compares with it.
    const release = await runCli(['metrics', '--db', db, '--as-of', '2021-10-31', '--release']);
    expect(release.code, release.stderr).toBe(0);
    press = await runCli(['render', '--db', db, '--as-of', AS_OF, '--out', out()], env());
    briefing = await runCli(['render', '--db', db, '--as-of', AS_OF, '--template', 'briefing', '--out', out()], env());
  }, 240_000);

  afterAll(async () => {
    await new Promise((done) => server?.close(done));
    tmp?.cleanup();
  });

  it('writes per language the PDF, its HTML twin, the chart SVGs and the figures file', () => {
    expect(press.code, press.stderr).toBe(0);
    expect(briefing.code, briefing.stderr).toBe(0);
    expect(press.stdout.trim().split('\n')).toEqual([join(out(), 'press.en.pdf'), join(out(), 'press.zh.pdf')]);
    for (const name of ['press', 'briefing']) {
      for (const language of ['en', 'zh']) {
        for (const ext of ['pdf', 'html', 'figures.json']) expect(existsSync(join(out(), `${name}.${language}.${ext}`)), `${name}.${language}.${ext}`).toBe(true);
        const svgs = readdirSync(join(out(), 'charts')).filter((f) => f.startsWith(`${name}.${language}.`) && f.endsWith('.svg'));
        expect(svgs.length, `${name}.${language} charts`).toBe(6);
      }
    }
    expect(readdirSync(out()).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('the PDFs carry the figures in each language’s form', () => {
    const en = squeeze(pdftotext(join(out(), 'press.en.pdf')));
    const zh = squeeze(pdftotext(join(out(), 'press.zh.pdf')));
    expect(en).toContain(squeeze(`recovered ${final.recovered.toLocaleString('en-US')} missing and abducted children`));
    expect(en).toContain(squeeze(`solved ${pressForm(final.cold_cases_solved, 'en')} accumulated cases`));
    expect(en).toContain(squeeze(`arrested ${pressForm(final.suspects_arrested, 'en')} suspects`));
    expect(en).toContain('AsofNovember30');
    expect(zh).toContain(`找回历年失踪被拐儿童${final.recovered}名`);
    expect(zh).toContain(`侦破拐卖儿童积案${pressForm(final.cold_cases_solved, 'zh')}起`);
    expect(zh).toContain(`抓获拐卖犯罪嫌疑人${pressForm(final.suspects_arrested, 'zh')}名`);
    expect(zh).toContain('截至2021年11月30日');
    // The running footer: page x of y.
    const pages = pageCount(join(out(), 'press.zh.pdf'));
    expect(squeeze(pdftotext(join(out(), 'press.zh.pdf'), pages))).toContain(`第${pages}页，共${pages}页`);
    expect(squeeze(pdftotext(join(out(), 'press.en.pdf'), 1))).toMatch(/Page1of\d+/);
  });

  it('every font is an embedded TrueType face of the bulletin (Noto Serif/Sans, Noto CJK SC TT), page counts are sane', () => {
    for (const file of ['press.en.pdf', 'press.zh.pdf', 'briefing.en.pdf', 'briefing.zh.pdf']) {
      const list = pdffonts(join(out(), file));
      expect(list.length, file).toBeGreaterThan(0);
      expect(list.filter((f) => !f.embedded), file).toEqual([]);
      expect(list.filter((f) => !['TrueType', 'CID TrueType'].includes(f.type)), file).toEqual([]);
      const names = fontNames(join(out(), file));
      expect(names.length, file).toBeGreaterThan(0);
      expect(names.filter((name) => !BULLETIN_FACES.test(name)), file).toEqual([]);
      const pages = pageCount(join(out(), file));
      expect(pages, file).toBeGreaterThanOrEqual(2);
      expect(pages, file).toBeLessThanOrEqual(14);
    }
  });

  it('every chart of each bulletin is whole on one page', () => {
    for (const name of ['press', 'briefing']) {
      for (const language of ['en', 'zh']) {
        const file = join(out(), `${name}.${language}.pdf`);
        const pages = Array.from({ length: pageCount(file) }, (_, i) => squeeze(pdftotext(file, i + 1)));
        const prefix = `${name}.${language}.`;
        const charts = Object.fromEntries(
          readdirSync(join(out(), 'charts'))
            .filter((f) => f.startsWith(prefix) && f.endsWith('.svg'))
            .map((f) => [f, readFileSync(join(out(), 'charts', f), 'utf8')]),
        );
        expect(Object.keys(charts), prefix).toHaveLength(6);
        expect(chartsNotWhole(charts, pages), prefix).toEqual([]);
      }
    }
  });

  it('the figures file holds every figure as computed and as printed, with its provenance', () => {
    const doc = JSON.parse(readFileSync(join(out(), 'press.zh.figures.json'), 'utf8'));
    expect(doc).toMatchObject({ template: 'press', language: 'zh', operation: 'reunion-2021', as_of: AS_OF, operation_start: '2021-01-01', partial_year: '2021' });
    expect(Object.keys(doc.figures).sort()).toEqual(Object.keys(final).sort());
    for (const [id, value] of Object.entries(final)) expect(doc.figures[id].computed, id).toEqual(value);
    expect(doc.figures.recovered.printed).toContainEqual({ printed: String(final.recovered), rule: 'exact' });
    expect(doc.figures.suspects_arrested.printed).toContainEqual({ printed: pressForm(final.suspects_arrested, 'zh'), rule: 'press' });
    expect(doc.figures.recovered.provenance).toMatchObject({ sql: 'queries/figures/recovered.sql', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), snapshot: doc.snapshot });
  });

  it('markup from the editorial file is printed as text and nothing is fetched', () => {
    expect(requests).toEqual([]);
    for (const file of ['press.en.pdf', 'press.zh.pdf']) {
      const text = squeeze(pdftotext(join(out(), file)));
      expect(text).toContain(squeeze(`<script>fetch("http://127.0.0.1:${port}/script")</script>`));
      expect(text).toContain(squeeze(`<img src="http://127.0.0.1:${port}/img">`));
      expect(text).toContain(squeeze('<a href="javascript:alert(1)">javascript:alert(1)</a>'));
    }
    const html = readFileSync(join(out(), 'press.en.html'), 'utf8');
    expect(html).not.toMatch(/<script|<img|href="javascript/);
  });

  it('the briefing is internal on every page, compares with the previous release, and has the data-quality annex', () => {
    const file = join(out(), 'briefing.en.pdf');
    const pages = pageCount(file);
    for (let page = 1; page <= pages; page++) expect(pdftotext(file, page), `page ${page}`).toContain('INTERNAL – NOT FOR PUBLICATION');
    const text = squeeze(pdftotext(file));
    // The heading wraps in its column: whole in the HTML twin's text (the date in a no-break span), in pieces in the PDF.
    expect(readFileSync(join(out(), 'briefing.en.html'), 'utf8').replace(/<[^>]*>/g, '')).toContain('Previous (as of October 31, 2021)');
    expect(text).toContain('Previous(asof');
    expect(text).toContain('October31,2021)');
    expect(text).toContain('Annex:dataquality');
    expect(text).toMatch(/snapshot\d{8}T\d{6}Z-load\d+/);
    expect(text).toContain('Quarantinedrows,byreason');
    const zh = squeeze(pdftotext(join(out(), 'briefing.zh.pdf')));
    expect(zh).toContain('内部资料注意保密');
    expect(zh).toContain(`找回历年失踪被拐儿童${final.recovered}名`);
  });

  it('no personal value of the sample in any output', () => {
    const found: string[] = [];
    for (const file of readdirSync(out(), { recursive: true, withFileTypes: true })) {
      if (!file.isFile()) continue;
      const path = join(file.parentPath, file.name);
      found.push(...personalValuesIn(readFileSync(path)).map((v) => `${file.name}: ${v}`));
      if (file.name.endsWith('.pdf')) found.push(...personalValuesInText(pdftotext(path)).map((v) => `${file.name} text: ${v}`));
    }
    found.push(...personalValuesInText(press.stdout + press.stderr + briefing.stdout + briefing.stderr));
    expect(found).toEqual([]);
  });

  it('a render that releases nothing leaves the releases log as it was: same bytes, same mtime, no .wal', async () => {
    const log = `${db}.releases.duckdb`;
    const state = () => {
      const stat = statSync(log);
      return { sha256: createHash('sha256').update(readFileSync(log)).digest('hex'), size: stat.size, mtimeMs: stat.mtimeMs, wal: existsSync(`${log}.wal`) };
    };
    const before = state();
    // The press bulletin reads it for the guard, the briefing for the previous release, `releases` lists it.
    for (const template of ['press', 'briefing']) {
      const r = await runCli(['render', '--db', db, '--as-of', AS_OF, '--lang', 'en', '--template', template, '--out', join(tmp.dir, `no-release-${template}`)], env());
      expect(r.code, r.stderr).toBe(0);
    }
    const listed = await runCli(['releases', '--db', db, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toHaveLength(1);
    expect(state()).toEqual(before);
    // No release log at all: a render does not create one.
    const fresh = conformanceWarehouse(join(tmp.dir, 'no-log.duckdb'), 'batch1');
    const r = await runCli(['render', '--db', fresh, '--as-of', AS_OF, '--lang', 'en', '--out', join(tmp.dir, 'no-log')], env());
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(`${fresh}.releases.duckdb`)).toBe(false);
  }, 120_000);

  it('a press bulletin whose cumulative figure fell below the released one is refused; the briefing is not', async () => {
    // Make the released bulletin of 2021-10-31 claim more recoveries than the data now give.
    const instance = await DuckDBInstance.create(`${db}.releases.duckdb`);
    const connection = await instance.connect();
    await connection.run(`UPDATE releases SET figures = json_merge_patch(figures, '{"recovered": 999999}')`);
    connection.closeSync();
    instance.closeSync();
    const refused = await runCli(['render', '--db', db, '--as-of', AS_OF, '--lang', 'en', '--out', join(tmp.dir, 'refused')], env());
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/consistency check failed for reunion-2021: recovered fell from 999999 \(released as of 2021-10-31\) to \d+/);
    expect(existsSync(join(tmp.dir, 'refused', 'press.en.pdf'))).toBe(false);
  }, 60_000);

  it('a render failing midway exits 1 with one line, leaves no PDF and no Chromium process', async () => {
    const scratch = join(tmp.dir, 'scratch-tmp');
    mkdirSync(scratch);
    const failed = await runCli(['render', '--db', db, '--as-of', AS_OF, '--out', join(tmp.dir, 'failed')], { ...env(), TMPDIR: scratch, BULLETIN_PAGE_TIMEOUT_MS: '1', BULLETIN_CHROMIUM_WS: '' });
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stderr).toMatch(/^bulletin: /);
    expect(existsSync(join(tmp.dir, 'failed', 'press.en.pdf'))).toBe(false);
    expect(existsSync(join(tmp.dir, 'failed', 'press.en.figures.json'))).toBe(false);
    // Chromium's user-data dir was under TMPDIR: no process names it any more, and it is gone.
    const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
    expect(ps.split('\n').filter((line) => line.includes(scratch))).toEqual([]);
    // (tsx keeps its compile cache under TMPDIR too: only Chromium's dirs are ours to check.)
    expect(readdirSync(scratch).filter((name) => name.startsWith('bulletin-chromium-'))).toEqual([]);
  }, 60_000);

  it('usage errors are one line with exit 2', async () => {
    const badLang = await runCli(['render', '--db', db, '--as-of', AS_OF, '--lang', 'fr', '--out', join(tmp.dir, 'x')]);
    expect(badLang.code).toBe(2);
    expect(badLang.stderr).toBe("bulletin: --lang 'fr' is not one of en, zh, all\n");
    const badTemplate = await runCli(['render', '--db', db, '--as-of', AS_OF, '--template', 'nope', '--out', join(tmp.dir, 'x')]);
    expect(badTemplate.code).toBe(2);
    expect(badTemplate.stderr).toMatch(/^bulletin: --template 'nope' is not one of press, briefing/);
    const noChrome = await runCli(['render', '--db', db, '--as-of', AS_OF, '--out', join(tmp.dir, 'x')], { CHROME_PATH: join(tmp.dir, 'no-chromium') });
    expect(noChrome.code).toBe(2);
    expect(noChrome.stderr.trim().split('\n')).toHaveLength(1);
    expect(noChrome.stderr).toMatch(/chromium/i);
  }, 60_000);
});
