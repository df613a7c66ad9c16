// The text formats (table, CSV, JSON) on hand-built results covering every type of analyst/result.ts: each is read
// back by an independent reader (DuckDB's CSV reader, JSON.parse, a small RFC 4180 parser written here) and
// compared with the values put in. The files DuckDB writes (Parquet, CSV), Arrow and Excel: test/analyst/files.test.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatResult } from '../../pipeline/analyst/formats.ts';
import { formatOfFile } from '../../pipeline/analyst/limits.ts';
import type { QueryResult, ResultColumn, ResultValue, ValueType } from '../../pipeline/analyst/result.ts';
import { tempDir } from '../helpers.ts';

const BEYOND_2_53 = 9007199254740993n;

/** Every type of the representation, a row of ordinary values, a row of edge values, and a row of NULLs. */
function everyType(): QueryResult {
  const columns: [string, string, ResultValue, ResultValue][] = [
    ['flag', 'BOOLEAN', true, false],
    ['tiny', 'TINYINT', -128, 127],
    ['small', 'SMALLINT', -32768, 32767],
    ['int', 'INTEGER', -2147483648, 2147483647],
    ['utiny', 'UTINYINT', 255, 0],
    ['usmall', 'USMALLINT', 65535, 0],
    ['uint', 'UINTEGER', 4294967295, 0],
    ['real', 'FLOAT', Math.fround(0.1), 1.5],
    ['double', 'DOUBLE', -2.5, 1e300],
    ['big', 'BIGINT', BEYOND_2_53, -(2n ** 63n)],
    ['ubig', 'UBIGINT', 2n ** 64n - 1n, 0n],
    ['huge', 'HUGEINT', -123456789012345678901234567890n, 42n],
    ['uhuge', 'UHUGEINT', 10n ** 37n, 0n],
    ['money', 'DECIMAL(18,3)', '-1234.500', '0.000'],
    ['precise', 'DECIMAL(38,10)', '-1234567890123456789012345678.0123456789', '0.0000000001'],
    ['day', 'DATE', '1969-07-20', '2100-12-31'],
    ['clock', 'TIME', '23:59:59.999999', '00:00:00'],
    ['wall', 'TIMESTAMP', '2040-02-29 12:34:56.123456', '1900-01-01 00:00:00'],
    ['instant', 'TIMESTAMP WITH TIME ZONE', '2021-09-16 12:30:00.5+08', '1950-06-16 07:00:00+08'],
    ['secs', 'TIMESTAMP_S', '2001-02-03 04:05:06', '1960-01-01 00:00:00'],
    ['millis', 'TIMESTAMP_MS', '2001-02-03 04:05:06.789', '1960-01-01 00:00:00.001'],
    ['nanos', 'TIMESTAMP_NS', '2001-02-03 04:05:06.123456789', '2262-04-11 00:00:00'],
    ['span', 'INTERVAL', '1 year 2 months 3 days', '00:00:00'],
    ['id', 'UUID', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '00000000-0000-0000-0000-000000000000'],
    ['mood', "ENUM('happy', 'sad')", 'happy', 'sad'],
    ['text', 'VARCHAR', '团圆, "quoted"\nnext line', ''],
    ['bits', 'BIT', '0101', '1'],
    ['bytes', 'BLOB', new Uint8Array([0, 255, 65]), new Uint8Array([])],
    ['tags', 'VARCHAR[]', ['a', null, '团圆'], []],
    ['pair', 'INTEGER[2]', [1, 2], [null, 3]],
    ['person', 'STRUCT("name" VARCHAR, "born" DATE)', { name: '小明', born: '2015-06-01' }, { name: null, born: null }],
    ['scores', 'MAP(VARCHAR, INTEGER)', [{ key: 'a', value: 1 }, { key: 'b', value: null }], []],
    ['text', 'VARCHAR', 'second', 'x'],
  ];
  return {
    columns: columns.map(([name, type]) => column(name, type)),
    rows: [columns.map((c) => c[2]), columns.map((c) => c[3]), columns.map(() => null)],
    seconds: 0.123,
  };
}

/** What the sandbox says of each DuckDB type used here (sandbox.ts valueTypeOf, from DuckDB's type object). */
const VALUE_TYPES: Record<string, ValueType> = {
  BOOLEAN: { kind: 'boolean' },
  TINYINT: { kind: 'integer' }, SMALLINT: { kind: 'integer' }, INTEGER: { kind: 'integer' }, BIGINT: { kind: 'integer' },
  UTINYINT: { kind: 'integer' }, USMALLINT: { kind: 'integer' }, UINTEGER: { kind: 'integer' }, UBIGINT: { kind: 'integer' },
  HUGEINT: { kind: 'integer' }, UHUGEINT: { kind: 'integer' },
  FLOAT: { kind: 'float' }, DOUBLE: { kind: 'double' },
  'DECIMAL(18,3)': { kind: 'decimal' }, 'DECIMAL(38,10)': { kind: 'decimal' }, 'DECIMAL(38,2)': { kind: 'decimal' }, 'DECIMAL(5,2)': { kind: 'decimal' },
  DATE: { kind: 'date' }, TIME: { kind: 'time' },
  TIMESTAMP: { kind: 'timestamp' }, TIMESTAMP_S: { kind: 'timestamp' }, TIMESTAMP_MS: { kind: 'timestamp' }, TIMESTAMP_NS: { kind: 'timestamp' },
  'TIMESTAMP WITH TIME ZONE': { kind: 'timestamptz' },
  BLOB: { kind: 'blob' },
  'VARCHAR[]': { kind: 'list', child: { kind: 'text' } },
  'INTEGER[2]': { kind: 'list', child: { kind: 'integer' } },
  'STRUCT("name" VARCHAR, "born" DATE)': { kind: 'struct', fields: [{ name: 'name', type: { kind: 'text' } }, { name: 'born', type: { kind: 'date' } }] },
  'MAP(VARCHAR, INTEGER)': { kind: 'map', key: { kind: 'text' }, value: { kind: 'integer' } },
};

const column = (name: string, type: string): ResultColumn => ({ name, type, valueType: VALUE_TYPES[type] ?? { kind: 'text' } });

const text = (bytes: Uint8Array) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
const result = (columns: { name: string; type: string }[], rows: ResultValue[][], seconds = 0.05): QueryResult => ({ columns: columns.map((c) => column(c.name, c.type)), rows, seconds });

let duckdb: DuckDBInstance;
let connection: DuckDBConnection;
let tmp: { dir: string; cleanup: () => void };

beforeAll(async () => {
  tmp = tempDir('bulletin-formats-');
  duckdb = await DuckDBInstance.create(':memory:');
  connection = await duckdb.connect();
});
afterAll(() => {
  connection?.closeSync();
  duckdb?.closeSync();
  tmp?.cleanup();
});

let fileCount = 0;
/** Writes the bytes to a fresh temporary file and returns its path, quoted as a SQL string literal. */
function saved(bytes: Uint8Array, extension: string): string {
  const file = join(tmp.dir, `out-${++fileCount}.${extension}`);
  writeFileSync(file, bytes);
  return `'${file.replaceAll("'", "''")}'`;
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}


describe('json', () => {
  it('is an array of objects: safe integers as numbers, others and inexact decimals as strings', () => {
    const parsed = JSON.parse(text(formatResult(everyType(), 'json')));
    expect(parsed).toHaveLength(3);
    expect(parsed[0]).toEqual({
      flag: true,
      tiny: -128,
      small: -32768,
      int: -2147483648,
      utiny: 255,
      usmall: 65535,
      uint: 4294967295,
      real: 0.1,
      double: -2.5,
      big: '9007199254740993',
      ubig: '18446744073709551615',
      huge: '-123456789012345678901234567890',
      uhuge: '10000000000000000000000000000000000000',
      money: -1234.5,
      precise: '-1234567890123456789012345678.0123456789',
      day: '1969-07-20',
      clock: '23:59:59.999999',
      wall: '2040-02-29T12:34:56.123456',
      instant: '2021-09-16 12:30:00.5+08',
      secs: '2001-02-03T04:05:06',
      millis: '2001-02-03T04:05:06.789',
      nanos: '2001-02-03T04:05:06.123456789',
      span: '1 year 2 months 3 days',
      id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      mood: 'happy',
      text: '团圆, "quoted"\nnext line',
      bits: '0101',
      bytes: Buffer.from([0, 255, 65]).toString('base64'),
      tags: ['a', null, '团圆'],
      pair: [1, 2],
      person: { name: '小明', born: '2015-06-01' },
      scores: [{ key: 'a', value: 1 }, { key: 'b', value: null }],
      text_2: 'second',
    });
    expect([parsed[1].big, parsed[1].ubig, parsed[1].huge, parsed[1].money, parsed[1].precise, parsed[1].text, parsed[1].bytes]).toEqual(['-9223372036854775808', 0, 42, 0, 1e-10, '', '']);
    expect(Object.values(parsed[2]).every((value) => value === null)).toBe(true);
    expect(Object.keys(parsed[2])).toHaveLength(everyType().columns.length);
  });

  it('writes a decimal as a number exactly when the number reads back to the same digits', () => {
    // 15 significant digits always survive a double; 16 (99999999999999.99 reads back as …98) not always.
    const decimals = ['12.500', '0.10', '-0.001', '12345678901234567.89', '0.30000000000000001', '9999999999999.99', '99999999999999.99', '9007199254740993'];
    const input = result([{ name: 'd', type: 'DECIMAL(38,2)' }], decimals.map((d) => [d]));
    expect(JSON.parse(text(formatResult(input, 'json'))).map((row: { d: unknown }) => row.d)).toEqual([12.5, 0.1, -0.001, '12345678901234567.89', '0.30000000000000001', 9999999999999.99, '99999999999999.99', '9007199254740993']);
  });

  it('is [] for an empty result, and integers at the safe limit stay numbers', () => {
    expect(JSON.parse(text(formatResult(result([{ name: 'n', type: 'BIGINT' }], []), 'json')))).toEqual([]);
    const limits = result([{ name: 'n', type: 'BIGINT' }], [[2n ** 53n - 1n], [-(2n ** 53n - 1n)], [2n ** 53n]]);
    expect(JSON.parse(text(formatResult(limits, 'json')))).toEqual([{ n: 2 ** 53 - 1 }, { n: -(2 ** 53 - 1) }, { n: String(2n ** 53n) }]);
  });
});

/** What parseCsv gives for a quoted empty field (""), to tell it from an empty one (NULL). */
const QUOTED_EMPTY = '<"">';

/** RFC 4180 records; throws on a line break outside quotes that is not CRLF, or on a stray quote. */
function parseCsv(input: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  while (i < input.length) {
    if (input[i] === '"' && field === '') {
      i++;
      for (;;) {
        if (i >= input.length) throw new Error('unterminated quote');
        if (input[i] === '"' && input[i + 1] === '"') (field += '"'), (i += 2);
        else if (input[i] === '"') break;
        else field += input[i++];
      }
      i++;
      if (i < input.length && input[i] !== ',' && input[i] !== '\r') throw new Error(`text after a closing quote at ${i}`);
      field = field === '' ? QUOTED_EMPTY : field;
    } else if (input[i] === ',') {
      record.push(field), (field = ''), i++;
    } else if (input[i] === '\r' && input[i + 1] === '\n') {
      record.push(field), records.push(record), (record = []), (field = ''), (i += 2);
    } else if (input[i] === '\n' || input[i] === '\r' || input[i] === '"') {
      throw new Error(`bare ${JSON.stringify(input[i])} at ${i}`);
    } else field += input[i++];
  }
  if (field !== '' || record.length > 0) throw new Error('last record not ended by CRLF');
  return records;
}

describe('csv', () => {
  it('is RFC 4180 with CRLF ends, a header, quoted fields where needed, NULL empty and "" an empty string', async () => {
    const bytes = formatResult(everyType(), 'csv');
    expect([...bytes.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    const [header, first, second, nulls] = parseCsv(text(bytes));
    expect(header).toEqual(everyType().columns.map((c) => c.name)); // duplicates kept as written
    const column = (name: string) => header.indexOf(name);
    expect(first[column('text')]).toBe('团圆, "quoted"\nnext line');
    expect(second[column('text')]).toBe(QUOTED_EMPTY);
    expect(first[header.lastIndexOf('text')]).toBe('second');
    expect([first[column('big')], first[column('huge')], first[column('money')], first[column('real')], first[column('day')], first[column('instant')]]).toEqual([
      '9007199254740993',
      '-123456789012345678901234567890',
      '-1234.500',
      '0.1',
      '1969-07-20',
      '2021-09-16 12:30:00.5+08',
    ]);
    expect([first[column('bytes')], first[column('tags')], first[column('person')]]).toEqual(['\\x00\\xFFA', '["a",null,"团圆"]', '{"name":"小明","born":"2015-06-01"}']);
    expect(nulls).toEqual(header.map(() => ''));

    // DuckDB's CSV reader agrees, and tells NULL from an empty string once told that "" is not NULL.
    const source = `read_csv(${saved(bytes, 'csv')}, all_varchar = true, header = true, allow_quoted_nulls = false)`;
    const back = await rows(`SELECT "text", "text_1" AS second, big FROM ${source}`);
    expect(back).toEqual([
      { text: '团圆, "quoted"\nnext line', second: 'second', big: '9007199254740993' },
      { text: '', second: 'x', big: '-9223372036854775808' },
      { text: null, second: null, big: null },
    ]);
  });

  it('starts with a UTF-8 byte-order mark only when asked', () => {
    const small = result([{ name: '名字', type: 'VARCHAR' }], [['团圆']]);
    const withBom = formatResult(small, 'csv', { bom: true });
    expect([...withBom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(text(withBom.subarray(3))).toBe('名字\r\n团圆\r\n');
    expect(text(formatResult(small, 'csv'))).toBe('名字\r\n团圆\r\n');
  });

  it('is the header alone for an empty result', () => {
    expect(text(formatResult(result([{ name: 'a', type: 'INTEGER' }, { name: 'b,c', type: 'VARCHAR' }], []), 'csv'))).toBe('a,"b,c"\r\n');
  });
});

/** Terminal columns, counted independently of the module: CJK ideographs and fullwidth forms take two. */
function columnsWide(line: string): number {
  return [...line].reduce((sum, char) => sum + (/[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uff01-\uff60]/u.test(char) ? 2 : 1), 0);
}

describe('table', () => {
  const people = result(
    [
      { name: '姓名', type: 'VARCHAR' },
      { name: 'n', type: 'BIGINT' },
      { name: 'share', type: 'DECIMAL(5,2)' },
      { name: 'note', type: 'VARCHAR' },
    ],
    [
      ['团圆', 12n, '1.50', null],
      ['Li Wei', 1234567n, '-0.25', 'found'],
      ['ＡＢ', null, null, 'a\nb'],
    ],
    0.123,
  );

  it('aligns columns by display width with CJK characters two columns wide, NULL shown, and ends with the count', () => {
    const lines = text(formatResult(people, 'table')).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.at(-2)).toBe('(3 rows, 0.12 s)');
    const body = lines.slice(0, -2);
    expect(body).toHaveLength(5); // header, separator, 3 rows
    expect(new Set(body.map(columnsWide)).size).toBe(1);
    expect(body[0]).toMatch(/^姓名 +n +share +note *$/);
    expect(body[1]).toMatch(/^-+ +-+ +-+ +-+$/);
    expect(body[2]).toMatch(/^团圆 +12 +1\.50 +NULL *$/);
    expect(body[4]).toMatch(/^ＡＢ +NULL +NULL +a\\nb *$/); // a line break inside a value is shown, not printed
    // Numbers right-aligned: each number ends where its header ends.
    const endOf = (line: string, token: string) => columnsWide(line.slice(0, line.indexOf(token) + token.length));
    expect([endOf(body[2], '12'), endOf(body[3], '1234567'), endOf(body[4], 'NULL')]).toEqual([endOf(body[0], ' n'), endOf(body[0], ' n'), endOf(body[0], ' n')]);
    expect(endOf(body[3], '-0.25')).toBe(endOf(body[0], 'share'));
  });

  it('shows at most maxRows rows, then says how many more there are', () => {
    const many = result([{ name: 'i', type: 'INTEGER' }], Array.from({ length: 5 }, (_, i) => [i]), 1.5);
    const lines = text(formatResult(many, 'table', { maxRows: 2 })).trimEnd().split('\n');
    expect(lines).toEqual(['i', '-', '0', '1', '… 3 more rows (use --format csv, --out FILE, or LIMIT)', '(5 rows, 1.50 s)']);
    expect(text(formatResult(many, 'table', { maxRows: 4, moreRowsHint: '.maxrows N' })).split('\n')[6]).toBe('… 1 more row (.maxrows N)');
    expect(text(formatResult(many, 'table')).trimEnd().split('\n')).toHaveLength(8); // default 100: all shown
    expect(text(formatResult(result([{ name: 'i', type: 'INTEGER' }], [[1]]), 'table')).trimEnd().split('\n').at(-1)).toBe('(1 row, 0.05 s)');
  });

  it('fits the terminal width by cutting long text with …, never numbers or dates', () => {
    const long = result(
      [
        { name: 'id', type: 'BIGINT' },
        { name: 'day', type: 'DATE' },
        { name: 'story', type: 'VARCHAR' },
      ],
      [[123456789012n, '2021-09-16', '团圆'.repeat(60)], [1n, null, 'short']],
    );
    const lines = text(formatResult(long, 'table', { width: 40 })).trimEnd().split('\n');
    for (const line of lines.slice(0, -1)) expect(columnsWide(line)).toBeLessThanOrEqual(40);
    expect(new Set(lines.slice(0, -1).map(columnsWide)).size).toBe(1);
    expect(lines[2]).toMatch(/^123456789012  2021-09-16  (团圆)+团?…\s*$/);
    expect(lines[3]).toMatch(/^ +1  NULL +short +$/);
    // 120 columns by default: the story gets 94, so 23 × 团圆 (92) and …; a wide 团 would straddle the edge, so a space
    expect(text(formatResult(long, 'table')).split('\n')[2]).toMatch(/^.{26}(团圆){23}… $/);
    expect(text(formatResult(long, 'table', { width: 300 })).split('\n')[2]).toContain('团圆'.repeat(60));
  });

  it('prints the header of an empty result', () => {
    expect(text(formatResult(result([{ name: 'a', type: 'INTEGER' }], [], 0), 'table'))).toBe('a\n-\n(0 rows, 0.00 s)\n');
  });
});

describe('formatOfFile', () => {
  it('names the format of a file extension, or null', () => {
    const cases: [string, string | null][] = [
      ['out/r.csv', 'csv'],
      ['R.JSON', 'json'],
      ['r.arrow', 'arrow'],
      ['r.feather', 'arrow'],
      ['r.ipc', 'arrow'],
      ['/tmp/x.y/r.parquet', 'parquet'],
      ['Book1.XLSX', 'xlsx'],
      ['r.xls', null],
      ['r.txt', null],
      ['parquet', null],
      ['r.csv.gz', null],
    ];
    expect(cases.map(([file]) => [file, formatOfFile(file)])).toEqual(cases);
  });
});
