// Quarantine rules of README "Load rules": each bad value is kept with file, line, column and a message, and the
// row counts nowhere; a load that only quarantines rows exits 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateDay, Int32, TimestampMillisecond, Utf8, vectorFromArray } from 'apache-arrow';
import { join } from 'node:path';
import { queryDb, tempDir, type CliResult } from '../helpers.ts';
import { ZH, load, ms, writeArrow, writeCsv, writeIn, writeJsonl, writeParquet } from './fixtures.ts';

interface QRow {
  file: string;
  line: number;
  table_name: string;
  column_name: string;
  source_column: string;
  value: string | null;
  message: string;
  loaded_at: unknown;
  load_id: unknown;
}

/** An expected quarantine entry: the row's id, its line, the column names accepted, the value (null: not checked). */
type Want = { id: string; line: number; columns: string[]; value: string | null };

const day = (iso: string): Date => new Date(`${iso}T00:00:00Z`);
const base = (path: string): string => path.split(/[\\/]/).pop() ?? path;

describe('bulletin load: quarantine', () => {
  const { dir, cleanup } = tempDir('bulletin-quarantine-');
  const db = join(dir, 'warehouse.duckdb');
  const dbCst = join(dir, 'cst.duckdb');
  const ex = join(dir, 'exports');
  let result: CliResult;
  let resultCst: CliResult;
  let quarantine: QRow[] = [];
  const q = <T = Record<string, unknown>>(sql: string) => queryDb<T>(db, sql);

  // cases-q.csv: some headers in other letter cases, so source_column differs from column_name.
  const casesHeader = { category: 'CATEGORY', occurred_on: 'Occurred_On', province: 'Province' };
  const source = (col: string): string => (casesHeader as Record<string, string>)[col] ?? col;
  const caseRows = [
    /* 2 */ { case_id: 'Q-OK1' },
    /* 3 */ { case_id: 'Q-DATE', occurred_on: '2021-13-45', reported_on: '2021-12-01' },
    /* 4 */ { case_id: 'Q-TS', updated_at: '2021-12-01 25:00:00' },
    /* 5 */ { case_id: 'Q-BOOL', ministry_supervised: 'maybe' },
    /* 6 */ { case_id: 'Q-ENUM', category: 'kidnapping' },
    /* 7 */ { case_id: 'Q-PROV', province: 'Atlantis' },
    /* 8 */ { case_id: 'Q-PROV99', province: '99' },
    /* 9 */ { case_id: 'Q-PROV3', province: '371' },
    /* 10 */ { case_id: 'Q-REQ', category: '' },
    /* 11 */ { case_id: 'Q-REQNULL', reported_on: 'NULL' },
    /* 12 */ { case_id: 'Q-ORDER', occurred_on: '2021-03-02', reported_on: '2021-03-01' },
    /* 13 */ { case_id: 'Q-OK2', occurred_on: '2021', reported_on: '2021-03-01' },
    /* 14 */ { case_id: 'Q-OK3', occurred_on: '2021-03', reported_on: '2021-03-01' },
    /* 15 */ { case_id: 'Q-ORDER2', occurred_on: '2021-04', reported_on: '2021-03-31' },
    /* 16 */ { case_id: 'Q-SOLVED', reported_on: '2020-05-02', solved_on: '2020-05-01' },
    /* 17 */ { case_id: 'Q-FUT', occurred_on: '2026-11-01', reported_on: '2026-11-24' },
    /* 18 */ { case_id: 'Q-OK4', occurred_on: '2026-11-01', reported_on: '2026-11-23', updated_at: '2026-11-23 11:59:59' },
    /* 19 */ { case_id: 'Q-FUTTS', updated_at: '2026-11-23T12:00:01+08:00' },
    /* 20 */ { case_id: 'Q-TWO', category: 'kidnapping', province: 'Atlantis' },
    /* 21 */ { case_id: 'Q-DATE2', reported_on: '2021-02-30', occurred_on: '2021-01-01' },
    /* 22 */ { case_id: '' },
    /* 23 */ { case_id: 'Q-PROV5', province: '37010' },
    /* 24 */ { case_id: 'Q-PARTIAL', occurred_on: '2021-01-01', reported_on: '2021-03' },
    /* 25 */ { case_id: 'Q-DATE3', occurred_on: '2021-01-01', reported_on: '20210230' },
  ];
  const caseWants: Want[] = [
    { id: 'Q-DATE', line: 3, columns: ['occurred_on'], value: '2021-13-45' },
    { id: 'Q-TS', line: 4, columns: ['updated_at'], value: '2021-12-01 25:00:00' },
    { id: 'Q-BOOL', line: 5, columns: ['ministry_supervised'], value: 'maybe' },
    { id: 'Q-ENUM', line: 6, columns: ['category'], value: 'kidnapping' },
    { id: 'Q-PROV', line: 7, columns: ['province'], value: 'Atlantis' },
    { id: 'Q-PROV99', line: 8, columns: ['province'], value: '99' },
    { id: 'Q-PROV3', line: 9, columns: ['province'], value: '371' },
    { id: 'Q-REQ', line: 10, columns: ['category'], value: null },
    { id: 'Q-REQNULL', line: 11, columns: ['reported_on'], value: null },
    { id: 'Q-ORDER', line: 12, columns: ['reported_on', 'occurred_on'], value: null },
    { id: 'Q-ORDER2', line: 15, columns: ['reported_on', 'occurred_on'], value: null },
    { id: 'Q-SOLVED', line: 16, columns: ['solved_on', 'reported_on'], value: null },
    { id: 'Q-FUT', line: 17, columns: ['reported_on'], value: '2026-11-24' },
    { id: 'Q-FUTTS', line: 19, columns: ['updated_at'], value: '2026-11-23T12:00:01+08:00' },
    { id: 'Q-DATE2', line: 21, columns: ['reported_on'], value: '2021-02-30' },
    { id: '', line: 22, columns: ['case_id'], value: null },
    { id: 'Q-PROV5', line: 23, columns: ['province'], value: '37010' },
    { id: 'Q-PARTIAL', line: 24, columns: ['reported_on'], value: '2021-03' }, // a partial date only where the column says so
    { id: 'Q-DATE3', line: 25, columns: ['reported_on'], value: '20210230' },
  ];
  // persons-q.csv: Chinese headers.
  const personRows = [
    /* 2 */ { person_id: 'QP-OK1', missing_on: '2015', recovered_on: '2021-03-01', recovery_method: 'dna' },
    /* 3 */ { person_id: 'QP-DATE', missing_on: '2021-13-45' },
    /* 4 */ { person_id: 'QP-ORDER', missing_on: '2021-03-02', recovered_on: '2021-03-01', recovery_method: 'dna' },
    /* 5 */ { person_id: 'QP-METHOD', missing_on: '2015-01-01', recovered_on: '2021-03-01', recovery_method: '' },
    /* 6 */ { person_id: 'QP-SEX', sex: 'X' },
    /* 7 */ { person_id: 'QP-ENUM', missing_on: '2015-01-01', recovered_on: '2021-03-01', recovery_method: 'magic' },
    /* 8 */ { person_id: 'QP-OK2', missing_on: '2021', recovered_on: '2021-01-01', recovery_method: 'alert' },
    /* 9 */ { person_id: 'QP-OK3', missing_on: '2021-06', recovered_on: '2021-06-01', recovery_method: 'other' },
    /* 10 */ { person_id: 'QP-ORDER2', missing_on: '2021-06', recovered_on: '2021-05-31', recovery_method: 'dna' },
    /* 11 */ { person_id: 'QP-FUT', missing_on: '2027' },
    /* 12 */ { person_id: 'QP-REQ', missing_on: '' },
    /* 13 */ { person_id: 'QP-PARTIAL', missing_on: '2015-01-01', recovered_on: '2021', recovery_method: 'dna' },
    /* 14 */ { person_id: 'QP-MONTH13', missing_on: '1947-13' },
  ];
  const personWants: Want[] = [
    { id: 'QP-DATE', line: 3, columns: ['missing_on'], value: '2021-13-45' },
    { id: 'QP-ORDER', line: 4, columns: ['recovered_on', 'missing_on'], value: null },
    { id: 'QP-METHOD', line: 5, columns: ['recovery_method'], value: null },
    { id: 'QP-SEX', line: 6, columns: ['sex'], value: 'X' },
    { id: 'QP-ENUM', line: 7, columns: ['recovery_method'], value: 'magic' },
    { id: 'QP-ORDER2', line: 10, columns: ['recovered_on', 'missing_on'], value: null },
    { id: 'QP-FUT', line: 11, columns: ['missing_on'], value: '2027' },
    { id: 'QP-REQ', line: 12, columns: ['missing_on'], value: null },
    { id: 'QP-PARTIAL', line: 13, columns: ['recovered_on'], value: '2021' },
    { id: 'QP-MONTH13', line: 14, columns: ['missing_on'], value: '1947-13' },
  ];

  beforeAll(async () => {
    const files = [
      writeCsv(ex, 'cases-q.csv', 'cases', caseRows, { header: casesHeader }),
      writeCsv(ex, 'persons-q.csv', 'persons', personRows, { header: ZH.persons }),
      writeCsv(ex, 'events-q.csv', 'events', [
        /* 2 */ { event_id: 'QE-OK', families_reunited: '0' },
        /* 3 */ { event_id: 'QE-NEG', families_reunited: '-1' },
        /* 4 */ { event_id: 'QE-TXT', families_reunited: 'abc' },
        /* 5 */ { event_id: 'QE-FRAC', families_reunited: '2.5' },
      ]),
      writeJsonl(ex, 'alerts-q.jsonl', [
        /* 1 */ { alert_id: 'QA-OK', province: '37', released_at: '2021-11-30T08:00:00+08:00', outcome: 'open', updated_at: '2021-12-01 10:00:00' },
        /* 2 */ { alert_id: 'QA-TS', province: '37', released_at: '2021-11-31T08:00:00+08:00', outcome: 'open', updated_at: '2021-12-01 10:00:00' },
        /* 3 */ { alert_id: 'QA-OUT', province: '37', released_at: '2021-11-30T08:00:00+08:00', outcome: 'lost', updated_at: '2021-12-01 10:00:00' },
        /* 4 */ { alert_id: 'QA-REQ', province: '37', outcome: 'open', updated_at: '2021-12-01 10:00:00' },
        /* 5 */ { alert_id: 'QA-NULL', province: null, released_at: '2021-11-30T08:00:00+08:00', outcome: 'open', updated_at: '2021-12-01 10:00:00' },
      ]),
      await writeParquet(
        ex,
        'events-q.parquet',
        `SELECT * FROM (VALUES
           ('QPQ-OK', '37', DATE '2021-06-01', 1, TIMESTAMPTZ '2021-12-01 02:00:00+00'),
           ('QPQ-PROV', 'Narnia', DATE '2021-06-01', 1, TIMESTAMPTZ '2021-12-01 02:00:00+00'),
           ('QPQ-NEG', '37', DATE '2021-06-01', -4, TIMESTAMPTZ '2021-12-01 02:00:00+00'),
           ('QPQ-FUT', '37', DATE '2027-01-01', 1, TIMESTAMPTZ '2021-12-01 02:00:00+00')
         ) t(event_id, province, held_on, families_reunited, updated_at)`,
      ),
      // tab, CRLF and BOM: the line numbers must still be those of the file
      writeCsv(
        ex,
        'suspects-q.csv',
        'suspects',
        [
          /* 2 */ { suspect_id: 'QS-OK' },
          /* 3 */ { suspect_id: 'QS-PROV', province: 'Lemuria' },
          /* 4 */ { suspect_id: 'QS-DATE', arrested_on: '2021-13-01' },
        ],
        { delimiter: '\t', eol: '\r\n', bom: true },
      ),
      // A blank line inside the file: lines are still the file's own
      writeIn(
        ex,
        'events-blank.csv',
        'event_id,province,held_on,updated_at\n' +
          /* 2 */ 'QB-OK,37,2021-06-01,2021-12-01 10:00:00\n' +
          /* 3 */ '\n' +
          /* 4 */ 'QB-PROV,Atlantis,2021-06-01,2021-12-01 10:00:00\n',
      ),
      // GB18030 with Chinese headers: value and header decoded in the quarantine row
      writeCsv(
        ex,
        'cases-gbq.csv',
        'cases',
        [/* 2 */ { case_id: 'QG-OK', category: '拐卖儿童' }, /* 3 */ { case_id: 'QG-ENUM', category: '绑架儿童' }],
        { header: ZH.cases, encoding: 'gb18030' },
      ),
      writeArrow(
        ex,
        'events-q.arrows',
        {
          event_id: vectorFromArray(['QAR-OK', 'QAR-OK2', 'QAR-PROV'], new Utf8()),
          province: vectorFromArray(['37', 'Hunan', 'Mordor'], new Utf8()),
          held_on: vectorFromArray([day('2021-06-01'), day('2021-06-02'), day('2021-06-03')], new DateDay()),
          families_reunited: vectorFromArray([1, 2, 3], new Int32()),
          updated_at: vectorFromArray([1, 2, 3].map(() => ms('2021-12-01T02:00:00Z')), new TimestampMillisecond('UTC')),
        },
        'stream',
      ),
    ];
    // Dates are compared in China Standard Time: at 01:00 CST on 23 Nov (17:00 UTC on the 22nd) the 23rd is today.
    const cstFile = writeCsv(join(dir, 'cst'), 'cases-cst.csv', 'cases', [
      /* 2 */ { case_id: 'QC-TODAY', occurred_on: '2026-11-01', reported_on: '2026-11-23' },
      /* 3 */ { case_id: 'QC-TOMORROW', occurred_on: '2026-11-01', reported_on: '2026-11-24' },
      /* 4 */ { case_id: 'QC-NAIVE-PAST', updated_at: '2026-11-22 20:00:00' },
      /* 5 */ { case_id: 'QC-NAIVE-FUTURE', updated_at: '2026-11-23 01:30:00' },
    ]);
    [result, resultCst] = await Promise.all([
      load(db, files),
      load(dbCst, [cstFile], { BULLETIN_NOW: '2026-11-23T01:00:00+08:00' }),
    ]);
    quarantine = await q<QRow>('SELECT * FROM quarantine');
  }, 60_000);

  afterAll(() => cleanup());

  const entries = (file: string, line: number): QRow[] => quarantine.filter((r) => base(r.file) === file && r.line === line);

  function checkEntry(file: string, table: string, w: Want, sourceOf: (col: string) => string): void {
    const got = entries(file, w.line);
    expect(got.length, `${file} line ${w.line} (${w.id}): ${JSON.stringify(got)}`).toBe(1);
    const [r] = got;
    expect(r.table_name).toBe(table);
    expect(w.columns, `${file} line ${w.line} column`).toContain(r.column_name);
    expect(r.source_column).toBe(sourceOf(r.column_name));
    if (w.value !== null) {
      expect(r.value).toBe(w.value);
      expect(r.message).toContain(w.value);
    }
    expect(r.message, r.message).toMatch(new RegExp(`(^|\\D)${w.line}(\\D|$)`));
    expect(r.message, r.message).toContain(sourceOf(r.column_name));
    expect(r.loaded_at).not.toBeNull();
    expect(r.load_id).not.toBeNull();
  }

  it('exits 0 when rows are only quarantined', () => {
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(resultCst.code, `${resultCst.stdout}\n${resultCst.stderr}`).toBe(0);
  });

  it('cases: one entry per bad value with line, column, header as written, value and message', () => {
    for (const w of caseWants) checkEntry('cases-q.csv', 'cases', w, source);
  });

  it('the README example: persons with Chinese headers, missing_on 2021-13-45 on line 3', () => {
    const [r] = entries('persons-q.csv', 3);
    expect(r).toMatchObject({ table_name: 'persons', line: 3, column_name: 'missing_on', source_column: '失踪日期', value: '2021-13-45' });
    expect(r.message).toContain('2021-13-45');
    expect(r.message).toContain('失踪日期');
    expect(r.message).toMatch(/(^|\D)3(\D|$)/);
  });

  it('persons: date order, recovery_method when recovered, enums, future partial date, required missing', () => {
    for (const w of personWants) checkEntry('persons-q.csv', 'persons', w, (c) => ZH.persons[c]);
  });

  it('a row with two bad values gives two entries on the same line', () => {
    const got = entries('cases-q.csv', 20);
    expect(got.map((r) => r.column_name).sort()).toEqual(['category', 'province']);
    expect(got.map((r) => r.source_column).sort()).toEqual(['CATEGORY', 'Province']);
    expect(got.map((r) => r.value).sort()).toEqual(['Atlantis', 'kidnapping']);
  });

  it('nothing else is quarantined: valid rows, partial dates compared by their first day, today is not future', () => {
    const lines = quarantine.filter((r) => base(r.file) === 'cases-q.csv').map((r) => r.line);
    expect([...new Set(lines)].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16, 17, 19, 20, 21, 22, 23, 24, 25]);
    const plines = quarantine.filter((r) => base(r.file) === 'persons-q.csv').map((r) => r.line);
    expect([...new Set(plines)].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 10, 11, 12, 13, 14]);
  });

  it('valid rows are live, quarantined rows are counted nowhere (not live, not in history)', async () => {
    const cases = await q<{ case_id: string }>('SELECT case_id FROM cases ORDER BY case_id');
    expect(cases.map((r) => r.case_id)).toEqual(['Q-OK1', 'Q-OK2', 'Q-OK3', 'Q-OK4', 'QG-OK']);
    const hcases = await q<{ case_id: string }>('SELECT DISTINCT case_id FROM history.cases ORDER BY case_id');
    expect(hcases.map((r) => r.case_id)).toEqual(['Q-OK1', 'Q-OK2', 'Q-OK3', 'Q-OK4', 'QG-OK']);
    const suspects = await q<{ suspect_id: string }>('SELECT suspect_id FROM suspects UNION ALL SELECT suspect_id FROM history.suspects');
    expect(suspects.map((r) => r.suspect_id)).toEqual(['QS-OK', 'QS-OK']);
    const persons = await q<{ person_id: string }>('SELECT person_id FROM persons ORDER BY person_id');
    expect(persons.map((r) => r.person_id)).toEqual(['QP-OK1', 'QP-OK2', 'QP-OK3']);
    const hpersons = await q<{ person_id: string }>('SELECT DISTINCT person_id FROM history.persons ORDER BY person_id');
    expect(hpersons.map((r) => r.person_id)).toEqual(['QP-OK1', 'QP-OK2', 'QP-OK3']);
    const events = await q<{ event_id: string }>('SELECT event_id FROM events ORDER BY event_id');
    expect(events.map((r) => r.event_id)).toEqual(['QAR-OK', 'QAR-OK2', 'QB-OK', 'QE-OK', 'QPQ-OK']);
    const alerts = await q<{ alert_id: string }>('SELECT alert_id FROM alerts ORDER BY alert_id');
    expect(alerts.map((r) => r.alert_id)).toEqual(['QA-OK']);
  });

  it('load_log counts: read = stored + quarantined (+ stale + superseded = 0), a row with two bad values counted once', async () => {
    const log = await q<{ file: string; rows_read: number; rows_stored: number; rows_quarantined: number; rows_stale: number; outcome: string }>(
      'SELECT file, rows_read, rows_stored, rows_quarantined, rows_stale + rows_superseded AS rows_stale, outcome FROM load_log',
    );
    const got = Object.fromEntries(log.map((r) => [base(r.file), [r.rows_read, r.rows_stored, r.rows_quarantined, r.rows_stale, r.outcome]]));
    expect(got).toEqual({
      'cases-q.csv': [24, 4, 20, 0, 'loaded'],
      'persons-q.csv': [13, 3, 10, 0, 'loaded'],
      'suspects-q.csv': [3, 1, 2, 0, 'loaded'],
      'cases-gbq.csv': [2, 1, 1, 0, 'loaded'],
      'events-blank.csv': [2, 1, 1, 0, 'loaded'],
      'events-q.csv': [4, 1, 3, 0, 'loaded'],
      'alerts-q.jsonl': [5, 1, 4, 0, 'loaded'],
      'events-q.parquet': [4, 1, 3, 0, 'loaded'],
      'events-q.arrows': [3, 2, 1, 0, 'loaded'],
    });
  });

  it('the quarantine entries carry the load_id of their file in load_log', async () => {
    const rows = await q<{ n: number }>(
      `SELECT count(*) AS n FROM quarantine q LEFT JOIN load_log l ON q.load_id = l.load_id WHERE l.load_id IS NULL OR l.file <> q.file`,
    );
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('integers below 0 and non-integers are quarantined', () => {
    for (const [line, value] of [[3, '-1'], [4, 'abc'], [5, '2.5']] as const) {
      const [r] = entries('events-q.csv', line);
      expect(r, `events-q.csv line ${line}`).toMatchObject({ table_name: 'events', column_name: 'families_reunited', value });
      expect(r.message).toContain(value);
    }
  });

  it('JSON lines: the line is the 1-based row number; missing key and null in a required column', () => {
    const rows = quarantine.filter((r) => base(r.file) === 'alerts-q.jsonl').sort((a, b) => a.line - b.line);
    expect(rows.map((r) => [r.line, r.column_name])).toEqual([
      [2, 'released_at'],
      [3, 'outcome'],
      [4, 'released_at'],
      [5, 'province'],
    ]);
    expect(rows[0].value).toBe('2021-11-31T08:00:00+08:00');
    expect(rows[1].value).toBe('lost');
    for (const r of rows) expect(r.message).toMatch(new RegExp(`(^|\\D)${r.line}(\\D|$)`));
  });

  it('Parquet and Arrow: the line is the 1-based row number', () => {
    const pq = quarantine.filter((r) => base(r.file) === 'events-q.parquet').sort((a, b) => a.line - b.line);
    expect(pq.map((r) => [r.line, r.column_name])).toEqual([
      [2, 'province'],
      [3, 'families_reunited'],
      [4, 'held_on'], // a typed DATE after the load time
    ]);
    expect(pq[0].value).toBe('Narnia');
    expect(pq[1].value).toBe('-4');
    expect(pq[2].value).toContain('2027-01-01');
    const ar = quarantine.filter((r) => base(r.file) === 'events-q.arrows');
    expect(ar.map((r) => [r.line, r.column_name, r.value])).toEqual([[3, 'province', 'Mordor']]);
  });

  it('CSV with tab, CRLF and BOM: lines counted as in the file', () => {
    const rows = quarantine.filter((r) => base(r.file) === 'suspects-q.csv').sort((a, b) => a.line - b.line);
    expect(rows.map((r) => [r.line, r.column_name, r.source_column, r.value])).toEqual([
      [3, 'province', 'province', 'Lemuria'],
      [4, 'arrested_on', 'arrested_on', '2021-13-01'],
    ]);
  });

  it('CSV with a blank line: the line after it is numbered as in the file', () => {
    const rows = quarantine.filter((r) => base(r.file) === 'events-blank.csv');
    expect(rows.map((r) => [r.line, r.column_name, r.value])).toEqual([[4, 'province', 'Atlantis']]);
    expect(rows[0].message).toMatch(/(^|\D)4(\D|$)/);
  });

  it('GB18030: the quarantined value and the header are decoded', () => {
    const rows = quarantine.filter((r) => base(r.file) === 'cases-gbq.csv');
    expect(rows.map((r) => [r.line, r.column_name, r.source_column, r.value])).toEqual([[3, 'category', '案件类别', '绑架儿童']]);
    expect(rows[0].message).toContain('绑架儿童');
    expect(rows[0].message).toContain('案件类别');
  });

  it('future dates are judged in China Standard Time, naive timestamps as CST', async () => {
    const live = await queryDb<{ case_id: string }>(dbCst, 'SELECT case_id FROM cases ORDER BY case_id');
    expect(live.map((r) => r.case_id)).toEqual(['QC-NAIVE-PAST', 'QC-TODAY']);
    const qr = await queryDb<{ line: number; column_name: string }>(dbCst, 'SELECT line, column_name FROM quarantine ORDER BY line');
    expect(qr).toEqual([
      { line: 3, column_name: 'reported_on' },
      { line: 5, column_name: 'updated_at' },
    ]);
  });
});
