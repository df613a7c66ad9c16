// Every accepted input format of exports.md, loaded through the real `bulletin load` into a real warehouse file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bool, DateDay, Dictionary, Int32, TimestampMillisecond, Utf8, vectorFromArray } from 'apache-arrow';
import { join } from 'node:path';
import { queryDb, tempDir, type CliResult } from '../helpers.ts';
import { ZH, load, ms, writeArrow, writeCsv, writeIn, writeJsonl, writeParquet } from './fixtures.ts';

const day = (iso: string): Date => new Date(`${iso}T00:00:00Z`);
const shanghai = new TimestampMillisecond('Asia/Shanghai');

describe('bulletin load: input formats', () => {
  const { dir, cleanup } = tempDir('bulletin-formats-');
  const db = join(dir, 'warehouse.duckdb');
  const files: string[] = [];
  let result: CliResult;

  const q = <T = Record<string, unknown>>(sql: string) => queryDb<T>(db, sql);

  beforeAll(async () => {
    const ex = join(dir, 'exports');
    // 1. UTF-8 without BOM, comma, English headers in mixed letter case, an unknown extra column.
    files.push(
      writeCsv(
        ex,
        'cases-comma.csv',
        'cases',
        [
          { case_id: 'F-COMMA-1', province: '山东', title: '1999·9·20', remarks: 'checked' },
          { case_id: 'F-COMMA-2', category: 'buying', province: '41', remarks: 'checked' },
          { case_id: 'F-COMMA-3', category: 'luring', province: '44', title: 'Zhang, "the boss"', remarks: 'checked' },
        ],
        {
          header: {
            case_id: 'Case_ID', category: 'CATEGORY', province: 'Province', occurred_on: 'Occurred_On',
            reported_on: 'REPORTED_ON', ministry_supervised: 'Ministry_Supervised', title: 'Title',
            updated_at: 'Updated_At', deleted: 'DELETED', remarks: 'Remarks',
          },
        },
      ),
    );
    // 2. Tab-delimited, CRLF, a comma inside a value (must not split it).
    files.push(
      writeCsv(ex, 'cases-tab.csv', 'cases', [{ case_id: 'F-TAB-1', title: 'Li, Wang and Zhang', province: 'Henan' }, { case_id: 'F-TAB-2' }], {
        delimiter: '\t',
        eol: '\r\n',
      }),
    );
    // 3. UTF-8 with BOM (the first header must still be `case_id`).
    files.push(writeCsv(ex, 'cases-bom.csv', 'cases', [{ case_id: 'F-BOM-1', title: '北京' }], { bom: true }));
    // 4. GB18030 (told from the bytes, not the name), Chinese headers and values, a 4-byte GB18030 character.
    files.push(
      writeCsv(
        ex,
        'cases-registry.csv',
        'cases',
        [
          {
            case_id: 'F-GB-1', category: '拐卖儿童', province: '山东省', occurred_on: '2019年5月', reported_on: '2021年3月1日',
            ministry_supervised: '是', expert_assisted: '否', title: '北京·3·1案𪚥', deleted: '否',
          },
        ],
        { header: ZH.cases, encoding: 'gb18030' },
      ),
    );
    // 5. gzipped CSV.
    files.push(
      writeCsv(
        ex,
        'persons-gz.csv.gz',
        'persons',
        [
          { person_id: 'F-GZ-1', sex: 'F', missing_on: '1990-04-02', recovered_on: '2021-02-03', recovery_method: 'dna' },
          { person_id: 'F-GZ-2', province: 'Guangxi' },
        ],
        { gzip: true },
      ),
    );
    // 6. UTF-8 with the Chinese header aliases.
    files.push(
      writeCsv(ex, 'persons-zh.csv', 'persons', [{ person_id: 'F-ZH-1', sex: '女', missing_on: '1988年', province: '四川' }], {
        header: ZH.persons,
      }),
    );
    // 6b. `.tsv.csv`: a tab-delimited CSV named so.
    files.push(
      writeCsv(ex, 'persons-delta.tsv.csv', 'persons', [{ person_id: 'F-TSV-1', sex: 'U', province: '6501' }], { delimiter: '\t' }),
    );
    // 6c. A header and no record: an empty upsert batch.
    files.push(writeIn(ex, 'events-empty.csv', 'event_id,province,held_on,families_reunited,updated_at,deleted\n'));
    // 7. Parquet with typed columns (DATE, naive TIMESTAMP, TIMESTAMPTZ, BOOLEAN, INTEGER) and an extra column.
    files.push(
      await writeParquet(
        ex,
        'cases-typed.parquet',
        `SELECT * FROM (VALUES
           ('F-PQ-1', 'luring', '44', DATE '2019-03-04', DATE '2019-03-05', TIMESTAMP '2020-01-02 23:30:00',
            true, false, NULL::VARCHAR, TIMESTAMPTZ '2021-12-01 10:00:00+08', false, 'x'),
           ('F-PQ-2', 'buying', '4401', DATE '2018-01-01', DATE '2018-02-01', NULL::TIMESTAMP,
            false, true, 'T2', TIMESTAMPTZ '2021-12-01 02:00:00+00', NULL::BOOLEAN, 'y')
         ) t(case_id, category, province, occurred_on, reported_on, solved_on, ministry_supervised, expert_assisted,
             title, updated_at, deleted, note)`,
      ),
    );
    files.push(
      await writeParquet(
        ex,
        'alerts-typed.parquet',
        `SELECT 'F-PQA-1' AS alert_id, NULL::VARCHAR AS person_id, 'Guangdong' AS province,
                TIMESTAMP '2021-11-30 08:15:00' AS released_at, TIMESTAMPTZ '2021-11-30 10:00:00+08' AS resolved_at,
                'found' AS outcome, TIMESTAMP '2021-12-01 10:00:00' AS updated_at, false AS deleted`,
      ),
    );
    files.push(
      await writeParquet(
        ex,
        'events-typed.parquet',
        `SELECT * FROM (VALUES
           ('F-PQE-1', '41', DATE '2021-06-01', 12::INTEGER, TIMESTAMPTZ '2021-12-01 10:00:00+08', false),
           ('F-PQE-2', '河南', DATE '2021-06-02', NULL::INTEGER, TIMESTAMPTZ '2021-12-01 10:00:00+08', false)
         ) t(event_id, province, held_on, families_reunited, updated_at, deleted)`,
      ),
    );
    files.push(
      await writeParquet(
        ex,
        'persons-zh.parquet',
        `SELECT 'F-PQZ-1' AS "人员编号", '女' AS "性别", '1999年' AS "失踪日期", '湖南' AS "失踪地省份",
                DATE '2021-05-06' AS "找回日期", 'expert_team' AS "找回方式", TIMESTAMPTZ '2021-12-01 02:00:00+00' AS "更新时间"`,
      ),
    );
    // 8. Arrow IPC file (.arrow): dictionary strings, Date32, naive timestamp, Bool.
    files.push(
      writeArrow(
        ex,
        'blood_points-net.arrow',
        {
          point_id: vectorFromArray(['F-AR-1', 'F-AR-2'], new Utf8()),
          province: vectorFromArray(['Shandong', '44'], new Dictionary(new Utf8(), new Int32())),
          city: vectorFromArray(['济南', null], new Utf8()),
          address: vectorFromArray([null, '某区某路1号'], new Utf8()),
          phone: vectorFromArray(['010-12345678', null], new Utf8()),
          opened_on: vectorFromArray([day('2016-07-07'), day('2019-01-14')], new DateDay()),
          closed_on: vectorFromArray([null, day('2021-01-01')], new DateDay()),
          updated_at: vectorFromArray([Date.UTC(2021, 11, 1, 10), Date.UTC(2021, 11, 1, 10)], new TimestampMillisecond()),
          deleted: vectorFromArray([false, false], new Bool()),
        },
        'file',
      ),
    );
    // 9. Arrow IPC file named .feather: Int32 column, UTC timestamp, null boolean.
    files.push(
      writeArrow(
        ex,
        'events-x.feather',
        {
          event_id: vectorFromArray(['F-FE-1'], new Utf8()),
          province: vectorFromArray(['Henan'], new Utf8()),
          held_on: vectorFromArray([day('2021-06-03')], new DateDay()),
          families_reunited: vectorFromArray([4], new Int32()),
          updated_at: vectorFromArray([ms('2021-12-01T02:00:00Z')], new TimestampMillisecond('UTC')),
          deleted: vectorFromArray([null], new Bool()),
        },
        'file',
      ),
    );
    // 10. Arrow IPC stream (.arrows): timestamps with a time zone.
    files.push(
      writeArrow(
        ex,
        'alerts-stream.arrows',
        {
          alert_id: vectorFromArray(['F-AS-1', 'F-AS-2'], new Utf8()),
          person_id: vectorFromArray([null, 'P1'], new Utf8()),
          province: vectorFromArray(['XPCC', '65'], new Dictionary(new Utf8(), new Int32())),
          released_at: vectorFromArray([ms('2021-11-30T00:15:00Z'), ms('2021-11-29T16:00:00Z')], shanghai),
          resolved_at: vectorFromArray([null, ms('2021-11-30T01:00:00Z')], shanghai),
          outcome: vectorFromArray(['open', 'found'], new Dictionary(new Utf8(), new Int32())),
          updated_at: vectorFromArray([ms('2021-12-01T02:00:00Z'), ms('2021-12-01T02:00:00Z')], shanghai),
          deleted: vectorFromArray([false, false], new Bool()),
        },
        'stream',
      ),
    );
    // 11. JSON lines (.jsonl): null values, missing keys, JSON booleans.
    files.push(
      writeJsonl(ex, 'suspects-a.jsonl', [
        {
          suspect_id: 'F-JS-1', case_id: 'C1', province: '山东', absconded_on: null, arrested_on: '2021-03-04',
          updated_at: '2021-12-01T10:00:00+08:00', deleted: false,
        },
        { suspect_id: 'F-JS-2', case_id: 'C1', province: 'Shandong', updated_at: '2021-12-01 10:00:00', note: 'extra key' },
        {
          suspect_id: 'F-JS-3', case_id: 'C2', province: '37', absconded_on: '2019', arrested_on: null,
          updated_at: '2021-12-01T02:00:00Z', deleted: null,
        },
      ]),
    );
    // 12. Newline-delimited JSON (.ndjson), and a JSON number for an integer column.
    files.push(
      writeJsonl(ex, 'alerts-b.ndjson', [
        {
          alert_id: 'F-ND-1', province: 'Guangdong', released_at: '2021-11-30 08:15:00', resolved_at: null,
          outcome: 'found', updated_at: '2021-12-01 10:00:00', deleted: false,
        },
        {
          alert_id: 'F-ND-2', person_id: 'P9', province: '广东省', released_at: '2021-11-30T00:15:00Z', outcome: 'cancelled',
          updated_at: '2021-12-01 10:00:00',
        },
      ]),
    );
    files.push(
      writeJsonl(ex, 'events-num.ndjson', [
        { event_id: 'F-NJ-1', province: '41', held_on: '2021-06-05', families_reunited: 7, updated_at: '2021-12-01 10:00:00', deleted: false },
      ]),
    );
    result = await load(db, files);
  }, 60_000);

  afterAll(() => cleanup());

  it('loads every file with exit 0', () => {
    expect(result.stderr, result.stderr).not.toMatch(/^\s+at\s/m);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  });

  it('writes one load_log row per file, outcome loaded, with its table and row counts', async () => {
    const log = await q<{ file: string; table_name: string; rows_read: number; rows_stored: number; rows_quarantined: number; outcome: string }>(
      'SELECT file, table_name, rows_read, rows_stored, rows_quarantined, outcome FROM load_log',
    );
    const byName = Object.fromEntries(log.map((r) => [r.file.split(/[\\/]/).pop(), r]));
    const expected: Record<string, [string, number]> = {
      'cases-comma.csv': ['cases', 3],
      'cases-tab.csv': ['cases', 2],
      'cases-bom.csv': ['cases', 1],
      'cases-registry.csv': ['cases', 1],
      'persons-gz.csv.gz': ['persons', 2],
      'persons-zh.csv': ['persons', 1],
      'persons-delta.tsv.csv': ['persons', 1],
      'events-empty.csv': ['events', 0],
      'persons-zh.parquet': ['persons', 1],
      'cases-typed.parquet': ['cases', 2],
      'alerts-typed.parquet': ['alerts', 1],
      'events-typed.parquet': ['events', 2],
      'blood_points-net.arrow': ['blood_points', 2],
      'events-x.feather': ['events', 1],
      'alerts-stream.arrows': ['alerts', 2],
      'suspects-a.jsonl': ['suspects', 3],
      'alerts-b.ndjson': ['alerts', 2],
      'events-num.ndjson': ['events', 1],
    };
    expect(Object.keys(byName).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, [table, n]] of Object.entries(expected)) {
      expect({ name, ...byName[name] }).toMatchObject({ name, table_name: table, rows_read: n, rows_stored: n, rows_quarantined: 0, outcome: 'loaded' });
    }
  });

  it('comma CSV: mixed-case English headers, UTF-8 text kept', async () => {
    const rows = await q(`SELECT case_id, category, province, title FROM cases WHERE case_id LIKE 'F-COMMA-%' ORDER BY case_id`);
    expect(rows).toEqual([
      { case_id: 'F-COMMA-1', category: 'trafficking', province: '37', title: '1999·9·20' },
      { case_id: 'F-COMMA-2', category: 'buying', province: '41', title: null },
      { case_id: 'F-COMMA-3', category: 'luring', province: '44', title: 'Zhang, "the boss"' },
    ]);
  });

  it('unknown extra columns are ignored (not stored) and reported, once per file rather than per row', async () => {
    const cols = await q<{ column_name: string }>(
      `SELECT column_name FROM duckdb_columns() WHERE table_name = 'cases' AND schema_name = 'main'`,
    );
    const names = cols.map((c) => c.column_name.toLowerCase());
    expect(names).not.toContain('remarks');
    expect(names).not.toContain('note');
    const out = result.stdout + result.stderr;
    const mentions = out.match(/Remarks/gi)?.length ?? 0;
    expect(mentions).toBeGreaterThanOrEqual(1);
    expect(mentions).toBeLessThan(3); // three rows carry it: reported per file, not per row
  });

  it('tab-delimited CSV with CRLF: a comma inside a value is data', async () => {
    const rows = await q(`SELECT case_id, province, title FROM cases WHERE case_id LIKE 'F-TAB-%' ORDER BY case_id`);
    expect(rows).toEqual([
      { case_id: 'F-TAB-1', province: '41', title: 'Li, Wang and Zhang' },
      { case_id: 'F-TAB-2', province: '37', title: null },
    ]);
  });

  it('UTF-8 with BOM: the first header is recognised', async () => {
    expect(await q(`SELECT case_id, title FROM cases WHERE case_id = 'F-BOM-1'`)).toEqual([{ case_id: 'F-BOM-1', title: '北京' }]);
  });

  it('GB18030 is detected from the bytes; Chinese headers and values decoded (4-byte characters too)', async () => {
    const rows = await q(
      `SELECT case_id, category, province, occurred_on::VARCHAR AS occurred_on, occurred_on_precision,
              reported_on::VARCHAR AS reported_on, ministry_supervised, expert_assisted, title
       FROM cases WHERE case_id = 'F-GB-1'`,
    );
    expect(rows).toEqual([
      {
        case_id: 'F-GB-1', category: 'trafficking', province: '37', occurred_on: '2019-05-15', occurred_on_precision: 'month',
        reported_on: '2021-03-01', ministry_supervised: true, expert_assisted: false, title: '北京·3·1案𪚥',
      },
    ]);
    const [log] = await q<{ encoding: string }>(`SELECT encoding FROM load_log WHERE file LIKE '%cases-registry.csv'`);
    expect(log.encoding.toLowerCase().replace(/[^a-z0-9]/g, '')).toBe('gb18030');
  });

  it('.csv.gz is decompressed', async () => {
    const rows = await q(
      `SELECT person_id, sex, missing_on::VARCHAR AS missing_on, province, recovered_on::VARCHAR AS recovered_on, recovery_method
       FROM persons WHERE person_id LIKE 'F-GZ-%' ORDER BY person_id`,
    );
    expect(rows).toEqual([
      { person_id: 'F-GZ-1', sex: 'F', missing_on: '1990-04-02', province: '37', recovered_on: '2021-02-03', recovery_method: 'dna' },
      { person_id: 'F-GZ-2', sex: 'M', missing_on: '2010-05-01', province: '45', recovered_on: null, recovery_method: null },
    ]);
  });

  it('Chinese header aliases in a UTF-8 file', async () => {
    const rows = await q(
      `SELECT person_id, sex, missing_on::VARCHAR AS missing_on, missing_on_precision, province FROM persons WHERE person_id = 'F-ZH-1'`,
    );
    expect(rows).toEqual([{ person_id: 'F-ZH-1', sex: 'F', missing_on: '1988-07-01', missing_on_precision: 'year', province: '51' }]);
  });

  it('.tsv.csv is a tab-delimited CSV of its table', async () => {
    expect(await q(`SELECT person_id, sex, province FROM persons WHERE person_id = 'F-TSV-1'`)).toEqual([
      { person_id: 'F-TSV-1', sex: 'U', province: '65' },
    ]);
  });

  it('Parquet with Chinese column names', async () => {
    const rows = await q(
      `SELECT person_id, sex, missing_on::VARCHAR AS missing_on, missing_on_precision, province,
              recovered_on::VARCHAR AS recovered_on, recovery_method FROM persons WHERE person_id = 'F-PQZ-1'`,
    );
    expect(rows).toEqual([
      {
        person_id: 'F-PQZ-1', sex: 'F', missing_on: '1999-07-01', missing_on_precision: 'year', province: '43',
        recovered_on: '2021-05-06', recovery_method: 'expert_team',
      },
    ]);
  });

  it('Parquet: DATE, naive TIMESTAMP as a date, BOOLEAN, TIMESTAMPTZ, null BOOLEAN = not deleted', async () => {
    const rows = await q(
      `SELECT case_id, category, province, occurred_on::VARCHAR AS occurred_on, occurred_on_precision,
              reported_on::VARCHAR AS reported_on, solved_on::VARCHAR AS solved_on, ministry_supervised, expert_assisted,
              title, epoch_ms(updated_at) AS updated_ms
       FROM cases WHERE case_id LIKE 'F-PQ-%' ORDER BY case_id`,
    );
    expect(rows).toEqual([
      {
        case_id: 'F-PQ-1', category: 'luring', province: '44', occurred_on: '2019-03-04', occurred_on_precision: 'day',
        reported_on: '2019-03-05', solved_on: '2020-01-02', ministry_supervised: true, expert_assisted: false, title: null,
        updated_ms: ms('2021-12-01T02:00:00Z'),
      },
      {
        case_id: 'F-PQ-2', category: 'buying', province: '44', occurred_on: '2018-01-01', occurred_on_precision: 'day',
        reported_on: '2018-02-01', solved_on: null, ministry_supervised: false, expert_assisted: true, title: 'T2',
        updated_ms: ms('2021-12-01T02:00:00Z'),
      },
    ]);
  });

  it('Parquet: a naive TIMESTAMP column is China Standard Time, a TIMESTAMPTZ column is its instant', async () => {
    const rows = await q(
      `SELECT alert_id, province, outcome, epoch_ms(released_at) AS released, epoch_ms(resolved_at) AS resolved,
              epoch_ms(updated_at) AS updated FROM alerts WHERE alert_id = 'F-PQA-1'`,
    );
    expect(rows).toEqual([
      {
        alert_id: 'F-PQA-1', province: '44', outcome: 'found', released: ms('2021-11-30T00:15:00Z'),
        resolved: ms('2021-11-30T02:00:00Z'), updated: ms('2021-12-01T02:00:00Z'),
      },
    ]);
  });

  it('Parquet: INTEGER column and null integer', async () => {
    const rows = await q(
      `SELECT event_id, province, held_on::VARCHAR AS held_on, families_reunited FROM events WHERE event_id LIKE 'F-PQE-%' ORDER BY event_id`,
    );
    expect(rows).toEqual([
      { event_id: 'F-PQE-1', province: '41', held_on: '2021-06-01', families_reunited: 12 },
      { event_id: 'F-PQE-2', province: '41', held_on: '2021-06-02', families_reunited: null },
    ]);
  });

  it('Arrow IPC file (.arrow): dictionary strings, Date32, naive timestamp = CST', async () => {
    const rows = await q(
      `SELECT point_id, province, city, address, phone, opened_on::VARCHAR AS opened_on, closed_on::VARCHAR AS closed_on,
              epoch_ms(updated_at) AS updated FROM blood_points WHERE point_id LIKE 'F-AR-%' ORDER BY point_id`,
    );
    expect(rows).toEqual([
      {
        point_id: 'F-AR-1', province: '37', city: '济南', address: null, phone: '010-12345678', opened_on: '2016-07-07',
        closed_on: null, updated: ms('2021-12-01T02:00:00Z'),
      },
      {
        point_id: 'F-AR-2', province: '44', city: null, address: '某区某路1号', phone: null, opened_on: '2019-01-14',
        closed_on: '2021-01-01', updated: ms('2021-12-01T02:00:00Z'),
      },
    ]);
  });

  it('Arrow IPC file (.feather): Int32, UTC timestamp, null boolean', async () => {
    const rows = await q(
      `SELECT event_id, province, held_on::VARCHAR AS held_on, families_reunited, epoch_ms(updated_at) AS updated
       FROM events WHERE event_id = 'F-FE-1'`,
    );
    expect(rows).toEqual([
      { event_id: 'F-FE-1', province: '41', held_on: '2021-06-03', families_reunited: 4, updated: ms('2021-12-01T02:00:00Z') },
    ]);
  });

  it('Arrow IPC stream (.arrows): zoned timestamps keep their instant', async () => {
    const rows = await q(
      `SELECT alert_id, person_id, province, outcome, epoch_ms(released_at) AS released, epoch_ms(resolved_at) AS resolved
       FROM alerts WHERE alert_id LIKE 'F-AS-%' ORDER BY alert_id`,
    );
    expect(rows).toEqual([
      { alert_id: 'F-AS-1', person_id: null, province: '66', outcome: 'open', released: ms('2021-11-30T00:15:00Z'), resolved: null },
      {
        alert_id: 'F-AS-2', person_id: 'P1', province: '65', outcome: 'found', released: ms('2021-11-29T16:00:00Z'),
        resolved: ms('2021-11-30T01:00:00Z'),
      },
    ]);
  });

  it('.jsonl: JSON null and missing keys are empty; missing deleted = live', async () => {
    const rows = await q(
      `SELECT suspect_id, province, absconded_on::VARCHAR AS absconded_on, absconded_on_precision,
              arrested_on::VARCHAR AS arrested_on, epoch_ms(updated_at) AS updated
       FROM suspects WHERE suspect_id LIKE 'F-JS-%' ORDER BY suspect_id`,
    );
    expect(rows).toEqual([
      { suspect_id: 'F-JS-1', province: '37', absconded_on: null, absconded_on_precision: null, arrested_on: '2021-03-04', updated: ms('2021-12-01T02:00:00Z') },
      { suspect_id: 'F-JS-2', province: '37', absconded_on: null, absconded_on_precision: null, arrested_on: null, updated: ms('2021-12-01T02:00:00Z') },
      { suspect_id: 'F-JS-3', province: '37', absconded_on: '2019-07-01', absconded_on_precision: 'year', arrested_on: null, updated: ms('2021-12-01T02:00:00Z') },
    ]);
  });

  it('.ndjson: naive and Z timestamps, missing keys, JSON numbers', async () => {
    const alerts = await q(
      `SELECT alert_id, person_id, province, outcome, epoch_ms(released_at) AS released, resolved_at
       FROM alerts WHERE alert_id LIKE 'F-ND-%' ORDER BY alert_id`,
    );
    expect(alerts).toEqual([
      { alert_id: 'F-ND-1', person_id: null, province: '44', outcome: 'found', released: ms('2021-11-30T00:15:00Z'), resolved_at: null },
      { alert_id: 'F-ND-2', person_id: 'P9', province: '44', outcome: 'cancelled', released: ms('2021-11-30T00:15:00Z'), resolved_at: null },
    ]);
    expect(await q(`SELECT event_id, families_reunited FROM events WHERE event_id = 'F-NJ-1'`)).toEqual([
      { event_id: 'F-NJ-1', families_reunited: 7 },
    ]);
  });

  it('stores timestamps as TIMESTAMPTZ and dates as DATE', async () => {
    const cols = await q<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM duckdb_columns()
       WHERE schema_name = 'main' AND (table_name, column_name) IN
         (('cases','reported_on'), ('cases','updated_at'), ('alerts','released_at'), ('persons','missing_on'), ('cases','ministry_supervised'))
       ORDER BY table_name, column_name`,
    );
    expect(cols.map((c) => `${c.table_name}.${c.column_name}:${c.data_type}`)).toEqual([
      'alerts.released_at:TIMESTAMP WITH TIME ZONE',
      'cases.ministry_supervised:BOOLEAN',
      'cases.reported_on:DATE',
      'cases.updated_at:TIMESTAMP WITH TIME ZONE',
      'persons.missing_on:DATE',
    ]);
  });
});
