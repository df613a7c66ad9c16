// Hostile and broken values (issue 12, "Broken 4" and the ids of "Weak"): every value of a list that no upstream
// system should send goes into every column of every table, in every format (CSV, Parquet, Arrow, JSON lines).
// Whatever it is, the file loads; a value that is not valid for its column quarantines its row with file, line or
// row, and column; a valid one (text) is stored exactly; the other rows are stored. Nothing unprintable reaches a
// message or the terminal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import { DuckDBInstance } from '@duckdb/node-api';
import { queryDb, tempDir, type CliResult } from '../helpers.ts';
import { DEFAULTS, TABLES, hasStackTrace, load, records, toCsv, writeIn, writeJsonl, type Rec, type TableName } from './fixtures.ts';

/** Values no export should hold: non-dates, impossible dates, huge numbers, full-width digits, controls, bidi. */
const HOSTILE: string[] = [
  'N/A', '-', 'unknown', '待定', '2021.01.01', '1/2/2021', '198706', '0000-00-00', '9999999999', '1e309',
  '２０２１-０１-０１', '2021-02-29', '2021-13-45', '1'.repeat(400), '9'.repeat(40), '-1', ' ', '😀', '👨‍👩‍👧', '\u0000',
  'C\u00002', '\u001b[31mred\u001b[0m', '\u0007', '\u007f', '\u0085', 'a\u2028b', '\u202Egnp.exe', 'x\u2066y', 'NaN',
  'Infinity', '0x1F', "O'Brien", '"quoted"', 'a,b', '99999-12-31', '2021-11-30T25:61:61', '2021-11-30T08:15:00+99:99',
  '1947年13月', '2021年2月30日', 'x'.repeat(5000), '{"a":1}', '[1,2]', '\t', 'a\tb', 'trailing ', '  ',
  // a line end inside a value: CSV line numbers count records (one line each), so these go to the other formats only
  'a\nb', 'a\r\nb', '\r',
];
const MULTILINE = (v: string) => /[\r\n]/.test(v);

// Column kinds and requirement as exports.md declares them ('!' = required).
const KINDS: Record<TableName, Record<string, string>> = {
  cases: {
    case_id: 'id!', category: 'enum!', province: 'province!', occurred_on: 'partial!', reported_on: 'date!', solved_on: 'date',
    ministry_supervised: 'bool', expert_assisted: 'bool', title: 'text', updated_at: 'timestamp!', deleted: 'bool',
  },
  persons: {
    person_id: 'id!', case_id: 'id', sex: 'enum', birth_on: 'partial', missing_on: 'partial!', province: 'province!',
    recovered_on: 'date', recovery_method: 'enum', name: 'name', id_number: 'identity', updated_at: 'timestamp!', deleted: 'bool',
  },
  suspects: {
    suspect_id: 'id!', case_id: 'id!', province: 'province!', absconded_on: 'partial', arrested_on: 'date', updated_at: 'timestamp!',
    deleted: 'bool',
  },
  alerts: {
    alert_id: 'id!', person_id: 'id', province: 'province!', released_at: 'timestamp!', resolved_at: 'timestamp', outcome: 'enum!',
    updated_at: 'timestamp!', deleted: 'bool',
  },
  blood_points: {
    point_id: 'id!', province: 'province!', city: 'text', address: 'text', phone: 'text', opened_on: 'date!', closed_on: 'date',
    updated_at: 'timestamp!', deleted: 'bool',
  },
  events: { event_id: 'id!', province: 'province!', held_on: 'date!', families_reunited: 'count', updated_at: 'timestamp!', deleted: 'bool' },
};
const KEYS: Record<TableName, string> = {
  cases: 'case_id', persons: 'person_id', suspects: 'suspect_id', alerts: 'alert_id', blood_points: 'point_id', events: 'event_id',
};
/** The limits README states: ids 128 characters, free text 4,000; no control or bidi characters in either. */
const ID_MAX = 128;
const TEXT_MAX = 4000;
const UNPRINTABLE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

/** 'stored' when the value is valid for the column (exports.md, README's limits), else 'quarantined'. */
function expected(table: TableName, column: string, value: string): 'stored' | 'quarantined' {
  const spec = KINDS[table][column];
  const kind = spec.replace('!', '');
  if (kind === 'name' || kind === 'identity') return 'stored'; // never read / only hashed
  const blank = value.trim() === '' && !/[^ ]/.test(value); // spaces only: empty
  if (blank) return spec.endsWith('!') ? 'quarantined' : 'stored';
  if (kind === 'id' || kind === 'text') {
    const length = [...new Intl.Segmenter().segment(value)].length;
    return UNPRINTABLE.test(value) || length > (kind === 'id' ? ID_MAX : TEXT_MAX) ? 'quarantined' : 'stored';
  }
  if (kind === 'count') return /^\+?\d{1,9}$/.test(value.trim()) ? 'stored' : 'quarantined'; // 198706 is a fine count
  return 'quarantined'; // no hostile value is a date, timestamp, yes/no, province or enum value
}

type Format = 'csv' | 'parquet' | 'arrow' | 'jsonl';
const FORMATS: Format[] = ['csv', 'parquet', 'arrow', 'jsonl'];
const EXT: Record<Format, string> = { csv: 'csv', parquet: 'parquet', arrow: 'arrow', jsonl: 'jsonl' };

interface Case {
  row: number; // 0-based record index in the file
  id: string; // the key the row carries
  column: string;
  value: string;
  want: 'stored' | 'quarantined';
}

/** Rows of one file: three valid ones first, then one row per (column, hostile value), valid elsewhere. */
function plan(table: TableName, format: Format): { recs: Rec[]; cases: Case[]; good: string[] } {
  const key = KEYS[table];
  const good = [1, 2, 3].map((k) => `H-${format}-OK-${k}`);
  const overrides: Array<Partial<Rec>> = good.map((id) => ({ [key]: id }));
  const cases: Case[] = [];
  const values = HOSTILE.filter((v) => format !== 'csv' || !MULTILINE(v));
  for (const column of Object.keys(DEFAULTS[table])) {
    values.forEach((value, i) => {
      const id = column === key ? value : `H-${format}-${column}-${i}`;
      cases.push({ row: overrides.length, id, column, value, want: expected(table, column, value) });
      overrides.push({ [key]: id, [column]: value });
    });
  }
  return { recs: records(table, overrides), cases, good };
}

function writeFile(dir: string, table: TableName, format: Format, recs: Rec[]): string {
  const name = `${table}-hostile.${EXT[format]}`;
  const columns = Object.keys(DEFAULTS[table]);
  switch (format) {
    case 'csv':
      return writeIn(dir, name, toCsv(recs, { columns }));
    case 'jsonl':
      return writeJsonl(dir, name, recs);
    case 'arrow':
    case 'parquet': {
      // Every column as text: typed columns cannot carry these values.
      const arrow = new Table(Object.fromEntries(columns.map((c) => [c, vectorFromArray(recs.map((r) => r[c]), new Utf8())])));
      if (format === 'arrow') return writeIn(dir, name, tableToIPC(arrow, 'file'));
      return writeIn(dir, name, parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(arrow, 'stream'))));
    }
  }
}

interface QRow {
  file: string;
  line: number;
  table_name: string;
  column_name: string;
  source_column: string | null;
  value: string | null;
  message: string;
}

describe.concurrent('bulletin load: hostile values in every column, table and format', () => {
  const { dir, cleanup } = tempDir('bulletin-hostile-');
  const runs = new Map<Format, { db: string; result: CliResult; plans: Map<TableName, ReturnType<typeof plan>>; files: Map<TableName, string> }>();

  beforeAll(async () => {
    await Promise.all(
      FORMATS.map(async (format) => {
        const plans = new Map<TableName, ReturnType<typeof plan>>();
        const files = new Map<TableName, string>();
        for (const table of TABLES) {
          const p = plan(table, format);
          plans.set(table, p);
          files.set(table, writeFile(join(dir, format), table, format, p.recs));
        }
        const db = join(dir, `${format}.duckdb`);
        const result = await load(db, [...files.values()]);
        runs.set(format, { db, result, plans, files });
      }),
    );
  }, 180_000);

  afterAll(() => cleanup());

  for (const format of FORMATS) {
    it(`${format}: every file loads (exit 0), no stack trace, nothing unprintable on the terminal`, () => {
      const { result, files } = runs.get(format)!;
      const detail = `${result.stdout}\n${result.stderr}`.slice(0, 3000);
      expect(result.code, detail).toBe(0);
      expect(hasStackTrace(result.stderr), detail).toBe(false);
      for (const file of files.values()) {
        expect(result.stdout.split('\n').some((l) => l.includes(file.split('/').pop()!) && /\bloaded$/.test(l)), detail).toBe(true);
      }
      expect(`${result.stdout}${result.stderr}`.replaceAll('\n', '')).not.toMatch(UNPRINTABLE);
    });

    it(`${format}: each bad value quarantines its row with file, ${format === 'csv' ? 'line' : 'row'} and column; the rest is stored`, async () => {
      const { db, plans, files } = runs.get(format)!;
      const quarantine = await queryDb<QRow>(db, 'SELECT file, line, table_name, column_name, source_column, value, message FROM quarantine');
      const log = await queryDb<{ file: string; load_id: number; rows_read: number; rows_stored: number; rows_quarantined: number }>(
        db,
        'SELECT file, load_id, rows_read, rows_stored, rows_quarantined FROM load_log',
      );
      const problems: string[] = [];
      for (const table of TABLES) {
        const { recs, cases, good } = plans.get(table)!;
        const file = files.get(table)!;
        const logRow = log.find((l) => l.file === file);
        if (!logRow) {
          problems.push(`${table}: no load_log row`);
          continue;
        }
        const position = (row: number) => (format === 'csv' ? row + 2 : row + 1);
        const entries = quarantine.filter((q) => q.file === logRow.file);
        const storedLines = new Set(
          (await queryDb<{ source_line: number }>(db, `SELECT source_line FROM history.${table} WHERE load_id = ${logRow.load_id}`)).map((r) => r.source_line),
        );
        const storedIds = new Set(
          (await queryDb<{ id: string }>(db, `SELECT ${KEYS[table]} AS id FROM history.${table} WHERE load_id = ${logRow.load_id}`)).map((r) => r.id),
        );
        for (const id of good) if (!storedIds.has(id)) problems.push(`${table}: valid row ${id} not stored`);
        const quarantinedRows = cases.filter((c) => c.want === 'quarantined').length;
        if (logRow.rows_read !== recs.length) problems.push(`${table}: rows_read ${logRow.rows_read}, want ${recs.length}`);
        if (logRow.rows_quarantined !== quarantinedRows) problems.push(`${table}: rows_quarantined ${logRow.rows_quarantined}, want ${quarantinedRows}`);
        for (const c of cases) {
          const line = position(c.row);
          const here = entries.filter((q) => q.line === line);
          const label = `${table}.${c.column} = ${JSON.stringify(c.value.slice(0, 40))} (${format} ${line})`;
          if (c.want === 'stored') {
            if (here.length > 0) problems.push(`${label}: quarantined (${here.map((q) => q.message).join('; ')}), want stored`);
            if (!storedLines.has(line)) problems.push(`${label}: not stored`);
          } else {
            const mine = here.find((q) => q.column_name === c.column);
            if (!mine) {
              problems.push(`${label}: no quarantine entry for the column (${here.map((q) => q.message).join('; ') || 'none'})`);
              continue;
            }
            if (storedLines.has(line)) problems.push(`${label}: quarantined and stored`);
            const where = format === 'csv' ? `(line ${line}, column ${c.column})` : `(row ${line}, column ${c.column})`;
            if (!mine.message.includes(where)) problems.push(`${label}: message without ${where}: ${mine.message}`);
            if (mine.table_name !== table) problems.push(`${label}: table_name ${mine.table_name}`);
          }
        }
        // Stored text is kept exactly as sent.
        const textColumns = Object.entries(KINDS[table]).filter(([, k]) => /^(id|text)!?$/.test(k)).map(([c]) => c);
        const stored = await queryDb<Record<string, string | number>>(
          db,
          `SELECT source_line, ${textColumns.join(', ')} FROM history.${table} WHERE load_id = ${logRow.load_id}`,
        );
        for (const c of cases.filter((x) => x.want === 'stored' && textColumns.includes(x.column) && x.value.trim() !== '')) {
          const row = stored.find((r) => r.source_line === position(c.row));
          const want = c.value.replace(/^ +| +$/g, ''); // padded values are trimmed (exports.md)
          if (row && row[c.column] !== want) problems.push(`${table}.${c.column}: stored ${JSON.stringify(row[c.column])}, sent ${JSON.stringify(c.value)}`);
        }
      }
      // Messages and kept values show controls as \uXXXX, never as they are; long values are cut.
      for (const q of quarantine) {
        if (UNPRINTABLE.test(q.message) || (q.value !== null && UNPRINTABLE.test(q.value))) problems.push(`unprintable in ${JSON.stringify(q)}`);
        if (q.message.length > 400) problems.push(`message of ${q.message.length} characters: ${q.message.slice(0, 100)}`);
      }
      expect(problems.slice(0, 40), `${problems.length} problems`).toEqual([]);
    });
  }
});

describe('bulletin load: objects, arrays and huge values where one value belongs', () => {
  const { dir, cleanup } = tempDir('bulletin-nested-');
  afterAll(() => cleanup());

  it('JSON lines: an object or array in any column (a 300 KB object as id too) quarantines its row; a 300 KB id string too', { timeout: 60_000 }, async () => {
    const big = Object.fromEntries(Array.from({ length: 12_000 }, (_, i) => [`k${i}`, 'v'.repeat(16)])); // ~300 KB
    const shapes: unknown[] = [{ a: 1 }, [1, 2], {}, [], big];
    const objects: object[] = [{ ...DEFAULTS.cases, case_id: 'N-OK' }];
    const want: Array<{ row: number; column: string }> = [];
    for (const column of Object.keys(DEFAULTS.cases)) {
      shapes.forEach((shape, i) => {
        want.push({ row: objects.length + 1, column });
        objects.push({ ...DEFAULTS.cases, case_id: column === 'case_id' ? shape : `N-${column}-${i}`, [column]: shape });
      });
    }
    want.push({ row: objects.length + 1, column: 'case_id' });
    objects.push({ ...DEFAULTS.cases, case_id: 'x'.repeat(300_000) });
    const db = join(dir, 'json.duckdb');
    const result = await load(db, [writeJsonl(dir, 'cases-nested.jsonl', objects)]);
    expect(result.code, result.stderr).toBe(0);
    const quarantine = await queryDb<QRow>(db, 'SELECT line, column_name, value, message FROM quarantine');
    for (const w of want) {
      const entry = quarantine.find((q) => q.line === w.row && q.column_name === w.column);
      expect(entry, `row ${w.row} column ${w.column}`).toBeDefined();
      expect(entry!.message).toMatch(/is an object or array, not a single value|is longer than 128 characters/);
      expect(entry!.message.length).toBeLessThan(300);
      expect((entry!.value ?? '').length).toBeLessThan(300);
    }
    expect(await queryDb(db, 'SELECT case_id FROM history.cases')).toEqual([{ case_id: 'N-OK' }]);
  });

  it('Parquet: a list or struct column quarantines each of its values', { timeout: 60_000 }, async () => {
    const path = join(dir, 'cases-nested.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(
      `COPY (SELECT 'P-' || i AS case_id, 'trafficking' AS category, '37' AS province, '2020-01-01' AS occurred_on,
                    ['2020-01-02'] AS reported_on,
                    {'t': 'x'} AS title, '2021-12-01 10:00:00' AS updated_at FROM range(1, 4) r(i))
       TO '${path}' (FORMAT parquet)`,
    );
    connection.closeSync();
    instance.closeSync();
    const db = join(dir, 'parquet.duckdb');
    const result = await load(db, [path]);
    expect(result.code, result.stderr).toBe(0);
    const quarantine = await queryDb<QRow>(db, 'SELECT line, column_name, message FROM quarantine ORDER BY line, column_name');
    expect(quarantine.map((q) => [q.line, q.column_name])).toEqual([1, 2, 3].flatMap((l) => [[l, 'reported_on'], [l, 'title']]));
    expect(quarantine.every((q) => q.message.includes('is an object or array, not a single value'))).toBe(true);
  });
});
