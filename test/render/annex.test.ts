// The briefing's data-quality annex counts quarantined rows by table, column and rule, and shows no value: an export
// whose bad values are recognisable (ZQX…), hold quotes, look like a message or a place, or span lines is loaded
// next to the conformance sample, the briefing printed by real Chromium in both languages, and neither the PDFs'
// text (pdftotext) nor the HTML twins hold any of them, while the rules and columns are there.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceDir, queryDb, runCli, tempDir, type CliResult } from '../helpers.ts';
import { pdftotext, squeeze } from './poppler.ts';

const AS_OF = '2021-11-30';
const HEADER = 'case_id,category,province,occurred_on,reported_on,solved_on,ministry_supervised,expert_assisted,title,updated_at,deleted';

/** CSV field: quoted, quotes doubled. */
const field = (value: string) => `"${value.replaceAll('"', '""')}"`;
const row = (id: string, values: Partial<Record<string, string>>) => {
  const good: Record<string, string> = {
    case_id: id,
    category: 'trafficking',
    province: '37',
    occurred_on: '2015-03-01',
    reported_on: '2015-04-01',
    solved_on: '',
    ministry_supervised: '0',
    expert_assisted: 'no',
    title: '',
    updated_at: '2021-09-01 10:00:00',
    deleted: 'false',
  };
  return HEADER.split(',').map((name) => field(values[name] ?? good[name])).join(',');
};

// Each bad value carries ZQX, which appears nowhere else, or is a date-shaped value seen nowhere else (a date column
// quarantines only those), as are the two dates of the order rule.
const ROWS = [
  row('Z1', { category: "ZQX'Secret'Category" }),
  row('Z2', { province: "ZQXPROV' is not a date (line 1, column x)" }),
  row('Z3', { occurred_on: '1901-13-77' }),
  row('Z4', { reported_on: '1902-14-78', category: "ZQX'" }),
  row('Z5', { solved_on: '1903-15-79', province: "''ZQX''" }),
  row('Z6', { ministry_supervised: 'ZQX (line 9, column ministry_supervised)' }),
  row('Z7', { expert_assisted: "ZQX\nsecond line ' of the value" }),
  row('Z8', { updated_at: "ZQX' is before occurred_on 'ZQX" }),
  row('Z9', { deleted: 'ZQX…' }),
  row('Z10', { occurred_on: '1988-07-06', reported_on: '1987-06-05' }),
  row('Z11', { ministry_supervised: "ZQX' is before reported_on 'x" }),
  row('Z12', { deleted: "ZQX' is not a yes/no value (line 2, column deleted)" }),
];
const LEAKS = ['ZQX', '1901-13-77', '1902-14-78', '1903-15-79', '1988-07-06', '1987-06-05', 'Secret', 'second line'];

describe('the data-quality annex of the briefing shows no value', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: string;
  let rendered: CliResult;
  const out = () => join(tmp.dir, 'out');

  beforeAll(async () => {
    tmp = tempDir('bulletin-annex-');
    db = join(tmp.dir, 'warehouse.duckdb');
    const hostile = join(tmp.dir, 'cases-hostile-2021-11.csv');
    writeFileSync(hostile, [HEADER, ...ROWS].join('\n') + '\n');
    const load = await runCli(['load', '--db', db, join(conformanceDir, 'batch1'), hostile]);
    expect(load.code, load.stderr).toBe(0);
    rendered = await runCli(['render', '--db', db, '--as-of', AS_OF, '--template', 'briefing', '--out', out()], { BULLETIN_EDITORIAL_DIR: join(tmp.dir, 'none') });
  }, 180_000);
  afterAll(() => tmp?.cleanup());

  it('the quarantine holds the values (the loader keeps them), every hostile row quarantined', async () => {
    const rows = await queryDb<{ n: number }>(db, `SELECT count(DISTINCT line) AS n FROM quarantine WHERE file LIKE '%cases-hostile%'`);
    expect(rows[0].n).toBe(ROWS.length);
    const messages = await queryDb<{ message: string }>(db, `SELECT message FROM quarantine WHERE file LIKE '%cases-hostile%'`);
    expect(messages.some((m) => m.message.includes('ZQX'))).toBe(true);
  });

  it('neither PDF nor HTML twin holds a value, in either language; the rules and columns are there', () => {
    expect(rendered.code, rendered.stderr).toBe(0);
    for (const language of ['en', 'zh']) {
      const text = pdftotext(join(out(), `briefing.${language}.pdf`));
      const html = readFileSync(join(out(), `briefing.${language}.html`), 'utf8');
      for (const leak of LEAKS) {
        expect(squeeze(text), `${language} PDF: ${leak}`).not.toContain(squeeze(leak));
        expect(html, `${language} HTML: ${leak}`).not.toContain(leak);
      }
      // The rule and the column of each: the annex still says what is wrong where.
      const annex = squeeze(text);
      for (const reason of [
        'category…isnotoneof',
        'province…isnotaknownprovince',
        'occurred_on…isnotadate',
        'reported_on…isbeforeoccurred_on…',
        'updated_at…isnotatimestamp',
        'deleted…isnotayes/novalue',
      ]) {
        expect(annex, `${language}: ${reason}`).toContain(reason);
      }
      expect(annex).not.toMatch(/\(line\d+,column/);
    }
  });
});
