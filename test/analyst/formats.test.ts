// The analyst output formats on hand-built results covering every type of analyst/result.ts: each format is read
// back by an independent reader (apache-arrow, DuckDB's Parquet and CSV readers, JSON.parse, a small RFC 4180 parser
// written here) and compared with the values put in.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateUnit, TimeUnit, Type, tableFromIPC, type Table } from 'apache-arrow';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../pipeline/errors.ts';
import { FORMATS, formatOfFile, formatResult, writeResult } from '../../pipeline/analyst/formats.ts';
import type { QueryResult, ResultColumn, ResultValue } from '../../pipeline/analyst/result.ts';
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
    ['instant', 'TIMESTAMP WITH TIME ZONE', '2021-09-16T04:30:00.5Z', '1950-06-15T23:00:00Z'],
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
    columns: columns.map(([name, type]) => ({ name, type })),
    rows: [columns.map((c) => c[2]), columns.map((c) => c[3]), columns.map(() => null)],
    seconds: 0.123,
  };
}

const text = (bytes: Uint8Array) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
const result = (columns: ResultColumn[], rows: ResultValue[][], seconds = 0.05): QueryResult => ({ columns, rows, seconds });

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

async function describeTypes(source: string): Promise<Record<string, string>> {
  const described = await rows(`DESCRIBE SELECT * FROM ${source}`);
  return Object.fromEntries(described.map((row) => [String(row.column_name), String(row.column_type)]));
}

describe('arrow', () => {
  const column = (table: Table, name: string) => table.getChild(name)!;
  /** The stored (not converted) values of a column: days, ticks, words. */
  const stored = (table: Table, name: string) => column(table, name).data[0].values as ArrayLike<unknown>;

  it('is an IPC file apache-arrow reads back with every type mapped and every value kept', () => {
    const table = tableFromIPC(formatResult(everyType(), 'arrow'));
    expect(table.numRows).toBe(3);
    const type = (name: string) => column(table, name).type;

    expect(type('flag').typeId).toBe(Type.Bool);
    for (const [name, bitWidth, isSigned] of [['tiny', 8, true], ['small', 16, true], ['int', 32, true], ['big', 64, true], ['utiny', 8, false], ['usmall', 16, false], ['uint', 32, false], ['ubig', 64, false]] as const) {
      expect({ name, typeId: type(name).typeId, bitWidth: type(name).bitWidth, isSigned: type(name).isSigned }).toEqual({ name, typeId: Type.Int, bitWidth, isSigned });
    }
    expect([type('real').typeId, type('real').precision, type('double').precision]).toEqual([Type.Float, 1, 2]); // SINGLE, DOUBLE
    for (const [name, precision, scale] of [['huge', 38, 0], ['uhuge', 38, 0], ['money', 18, 3], ['precise', 38, 10]] as const) {
      expect({ name, typeId: type(name).typeId, precision: type(name).precision, scale: type(name).scale, bitWidth: type(name).bitWidth }).toEqual({ name, typeId: Type.Decimal, precision, scale, bitWidth: 128 });
    }
    expect([type('day').typeId, type('day').unit]).toEqual([Type.Date, DateUnit.DAY]);
    expect([type('clock').typeId, type('clock').unit, type('clock').bitWidth]).toEqual([Type.Time, TimeUnit.MICROSECOND, 64]);
    expect([type('wall').typeId, type('wall').unit, type('wall').timezone ?? null]).toEqual([Type.Timestamp, TimeUnit.MICROSECOND, null]);
    expect([type('instant').typeId, type('instant').unit, type('instant').timezone]).toEqual([Type.Timestamp, TimeUnit.MICROSECOND, 'UTC']);
    expect([type('secs').unit, type('millis').unit, type('nanos').unit]).toEqual([TimeUnit.SECOND, TimeUnit.MILLISECOND, TimeUnit.NANOSECOND]);
    for (const name of ['span', 'id', 'mood', 'text', 'bits', 'text_2']) expect([name, type(name).typeId]).toEqual([name, Type.Utf8]);
    expect(type('bytes').typeId).toBe(Type.Binary);
    expect([type('tags').typeId, type('tags').children[0].type.typeId]).toEqual([Type.List, Type.Utf8]);
    expect([type('pair').typeId, type('pair').listSize]).toEqual([Type.FixedSizeList, 2]);
    expect(type('person').typeId).toBe(Type.Struct);
    expect(type('person').children.map((f: { name: string; type: { typeId: Type } }) => [f.name, f.type.typeId])).toEqual([['name', Type.Utf8], ['born', Type.Date]]);
    expect([type('scores').typeId, String(type('scores'))]).toEqual([Type.Map, 'Map<{key:Utf8, value:Int32}>']);

    const get = (name: string, row: number) => column(table, name).get(row);
    expect([get('flag', 0), get('flag', 1), get('tiny', 0), get('int', 1), get('uint', 0)]).toEqual([true, false, -128, 2147483647, 4294967295]);
    expect([get('real', 0), get('double', 1)]).toEqual([Math.fround(0.1), 1e300]);
    expect([get('big', 0), get('big', 1), get('ubig', 0)]).toEqual([BEYOND_2_53, -(2n ** 63n), 2n ** 64n - 1n]);
    const unscaled = (name: string, row: number) => {
      const words = get(name, row) as Uint32Array;
      return BigInt.asIntN(128, words.reduce((sum, word, i) => sum + (BigInt(word) << BigInt(32 * i)), 0n));
    };
    expect([unscaled('huge', 0), unscaled('uhuge', 0), unscaled('money', 0), unscaled('precise', 0), unscaled('precise', 1)]).toEqual([
      -123456789012345678901234567890n,
      10n ** 37n,
      -1234500n,
      -12345678901234567890123456780123456789n,
      1n,
    ]);
    const isoDay = (days: unknown) => new Date(Number(days) * 86_400_000).toISOString().slice(0, 10);
    expect([isoDay(stored(table, 'day')[0]), isoDay(stored(table, 'day')[1])]).toEqual(['1969-07-20', '2100-12-31']);
    expect([stored(table, 'clock')[0], stored(table, 'clock')[1]]).toEqual([86_399_999_999n, 0n]);
    const micros = (iso: string, extraMicros = 0n) => BigInt(Date.parse(iso)) * 1000n + extraMicros;
    expect(stored(table, 'wall')[0]).toBe(micros('2040-02-29T12:34:56.123Z', 456n));
    expect(stored(table, 'wall')[1]).toBe(micros('1900-01-01T00:00:00Z'));
    expect(stored(table, 'instant')[0]).toBe(micros('2021-09-16T04:30:00.500Z'));
    expect(stored(table, 'instant')[1]).toBe(micros('1950-06-15T23:00:00Z'));
    expect(stored(table, 'secs')[1]).toBe(BigInt(Date.parse('1960-01-01T00:00:00Z') / 1000));
    expect(stored(table, 'millis')[0]).toBe(BigInt(Date.parse('2001-02-03T04:05:06.789Z')));
    expect(stored(table, 'nanos')[0]).toBe(BigInt(Date.parse('2001-02-03T04:05:06Z')) * 1_000_000n + 123_456_789n);
    expect([get('span', 0), get('id', 0), get('mood', 1), get('text', 0), get('text', 1), get('bits', 0), get('text_2', 0)]).toEqual([
      '1 year 2 months 3 days',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      'sad',
      '团圆, "quoted"\nnext line',
      '',
      '0101',
      'second',
    ]);
    expect([...get('bytes', 0)]).toEqual([0, 255, 65]);
    expect([...get('tags', 0)]).toEqual(['a', null, '团圆']);
    expect([[...get('pair', 0)], [...get('pair', 1)]]).toEqual([[1, 2], [null, 3]]);
    expect(get('person', 0).toJSON()).toEqual({ name: '小明', born: Date.parse('2015-06-01') });
    expect(get('scores', 0).toJSON()).toEqual({ a: 1, b: null });
    expect(get('scores', 1).toJSON()).toEqual({});

    for (const field of table.schema.fields) expect([field.name, column(table, field.name).get(2)]).toEqual([field.name, null]);
  });

  it('keeps an empty result’s columns and types', () => {
    const empty = result([{ name: 'day', type: 'DATE' }, { name: 'n', type: 'BIGINT' }], []);
    const table = tableFromIPC(formatResult(empty, 'arrow'));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => [f.name, f.type.typeId])).toEqual([['day', Type.Date], ['n', Type.Int]]);
  });

  it('writes a column as text when its values do not fit the type, and unknown types as text', () => {
    const odd = result(
      [
        { name: 'huge', type: 'HUGEINT' },
        { name: 'uhuge', type: 'UHUGEINT' },
        { name: 'shape', type: 'UNION("i" INTEGER, "s" VARCHAR)' },
        { name: 'mystery', type: 'SOMETHING_NEW(1, 2)' },
        { name: 'zone_time', type: 'TIME WITH TIME ZONE' },
      ],
      [
        [-(2n ** 127n), 2n ** 128n - 1n, 7, 'x', '12:00:00+08'],
        [1n, 1n, 'seven', null, null],
      ],
    );
    const table = tableFromIPC(formatResult(odd, 'arrow'));
    expect(table.schema.fields.map((f) => f.type.typeId)).toEqual([Type.Utf8, Type.Utf8, Type.Utf8, Type.Utf8, Type.Utf8]);
    expect(table.toArray().map((row) => row.toJSON())).toEqual([
      { huge: String(-(2n ** 127n)), uhuge: String(2n ** 128n - 1n), shape: '7', mystery: 'x', zone_time: '12:00:00+08' },
      { huge: '1', uhuge: '1', shape: 'seven', mystery: null, zone_time: null },
    ]);
  });
});

describe('parquet', () => {
  it('is read back by DuckDB with the types kept and every value equal', async () => {
    const source = `read_parquet(${saved(formatResult(everyType(), 'parquet'), 'parquet')})`;
    expect(await describeTypes(source)).toEqual({
      flag: 'BOOLEAN',
      tiny: 'TINYINT',
      small: 'SMALLINT',
      int: 'INTEGER',
      utiny: 'UTINYINT',
      usmall: 'USMALLINT',
      uint: 'UINTEGER',
      real: 'FLOAT',
      double: 'DOUBLE',
      big: 'BIGINT',
      ubig: 'UBIGINT',
      huge: 'DECIMAL(38,0)',
      uhuge: 'DECIMAL(38,0)',
      money: 'DECIMAL(18,3)',
      precise: 'DECIMAL(38,10)',
      day: 'DATE',
      clock: 'TIME',
      wall: 'TIMESTAMP',
      instant: 'TIMESTAMP WITH TIME ZONE',
      secs: 'TIMESTAMP', // Parquet has no seconds unit; DuckDB reads milliseconds as TIMESTAMP, same instants
      millis: 'TIMESTAMP',
      nanos: 'TIMESTAMP_NS',
      span: 'VARCHAR',
      id: 'VARCHAR',
      mood: 'VARCHAR',
      text: 'VARCHAR',
      bits: 'VARCHAR',
      bytes: 'BLOB',
      tags: 'VARCHAR[]',
      pair: 'INTEGER[]',
      person: 'STRUCT("name" VARCHAR, born DATE)',
      scores: 'MAP(VARCHAR, INTEGER)',
      text_2: 'VARCHAR',
    });

    // Each column as text in DuckDB's own spelling, which is the representation's for scalars.
    const input = everyType();
    const plain = input.columns.map((c, i) => [c.name === 'text' && i === input.columns.length - 1 ? 'text_2' : c.name, i] as const).filter(([name]) => !['real', 'instant', 'bytes', 'tags', 'pair', 'person', 'scores'].includes(name));
    const back = await rows(`SELECT ${plain.map(([name]) => `"${name}"::VARCHAR AS "${name}"`).join(', ')}, real::VARCHAR AS real, epoch_us(instant) AS instant,
      hex(bytes) AS bytes, to_json(tags)::VARCHAR AS tags, to_json(pair)::VARCHAR AS pair, to_json(person)::VARCHAR AS person,
      to_json(scores)::VARCHAR AS scores FROM ${source}`);
    expect(back).toHaveLength(3);
    const asText = (value: ResultValue) => (value === null ? null : String(value));
    for (let r = 0; r < 3; r++) {
      for (const [name, i] of plain) {
        expect([r, name, back[r][name]]).toEqual([r, name, asText(input.rows[r][i])]);
      }
    }
    expect(back.map((row) => row.real)).toEqual(['0.1', '1.5', null]);
    expect(back.map((row) => row.instant)).toEqual([BigInt(Date.parse('2021-09-16T04:30:00.5Z')) * 1000n, BigInt(Date.parse('1950-06-15T23:00:00Z')) * 1000n, null]);
    expect(back.map((row) => row.bytes)).toEqual(['00FF41', '', null]);
    expect(back.map((row) => row.tags)).toEqual(['["a",null,"团圆"]', '[]', null]);
    expect(back.map((row) => row.pair)).toEqual(['[1,2]', '[null,3]', null]);
    expect(back.map((row) => row.person)).toEqual(['{"name":"小明","born":"2015-06-01"}', '{"name":null,"born":null}', null]);
    expect(back.map((row) => row.scores)).toEqual(['{"a":1,"b":null}', '{}', null]);
  });

  it('keeps DuckDB dates outside 0001–9999 (BC years, 5-digit years, infinity) and timestamps before 1970', async () => {
    const days = ['0001-01-01 (BC)', '0044-03-15 (BC)', '10000-01-01', 'infinity', '-infinity', '1600-02-29'];
    const stamps = ['0001-01-01 (BC) 12:00:00', '1969-12-31 23:59:59.999999', 'infinity', '-infinity', '1600-02-29 00:00:00', '9999-12-31 23:59:59'];
    const instants = ['-000001-01-01T00:00:00Z', '1969-12-31T23:59:59.999999Z', 'infinity', '-infinity', '+010000-01-01T00:00:00Z', '2021-09-16T12:30:00+08:00'];
    const input = result([{ name: 'day', type: 'DATE' }, { name: 'stamp', type: 'TIMESTAMP' }, { name: 'instant', type: 'TIMESTAMPTZ' }], days.map((day, i) => [day, stamps[i], instants[i]]));
    const source = `read_parquet(${saved(formatResult(input, 'parquet'), 'parquet')})`;
    expect(await describeTypes(source)).toEqual({ day: 'DATE', stamp: 'TIMESTAMP', instant: 'TIMESTAMP WITH TIME ZONE' });
    const back = await rows(`SELECT day::VARCHAR AS day, stamp::VARCHAR AS stamp,
      CASE WHEN isinf(instant) THEN instant::VARCHAR ELSE epoch_us(instant)::VARCHAR END AS instant FROM ${source}`);
    expect(back.map((row) => row.day)).toEqual(days);
    expect(back.map((row) => row.stamp)).toEqual(stamps);
    const yearMicros = (year: number) => String(BigInt(new Date(0).setUTCFullYear(year, 0, 1)) * 1000n);
    expect(back.map((row) => row.instant)).toEqual([yearMicros(-1), '-1', 'infinity', '-infinity', yearMicros(10000), String(Date.parse('2021-09-16T04:30:00Z') * 1000)]);
  });

  it('keeps an empty result’s columns and types', async () => {
    const empty = result([{ name: 'day', type: 'DATE' }, { name: 'n', type: 'INTEGER' }, { name: 'n', type: 'DECIMAL(9,2)' }], []);
    const source = `read_parquet(${saved(formatResult(empty, 'parquet'), 'parquet')})`;
    expect(await describeTypes(source)).toEqual({ day: 'DATE', n: 'INTEGER', n_2: 'DECIMAL(9,2)' });
    expect(await rows(`SELECT count(*)::INTEGER AS n FROM ${source}`)).toEqual([{ n: 0 }]);
  });
});

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
      instant: '2021-09-16T04:30:00.5Z',
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
      '2021-09-16T04:30:00.5Z',
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
    expect(lines).toEqual(['i', '-', '0', '1', '… 3 more rows (use --format csv/--out, or LIMIT)', '(5 rows, 1.50 s)']);
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

describe('writeResult', () => {
  const small = result([{ name: 'a', type: 'INTEGER' }], [[1]]);

  it('writes the formatted bytes and leaves no temporary file', () => {
    const folder = join(tmp.dir, 'written');
    mkdirSync(folder);
    for (const format of FORMATS) {
      const file = join(folder, `r.${format}`);
      writeResult(small, format, file);
      expect([format, Buffer.compare(readFileSync(file), Buffer.from(formatResult(small, format)))]).toEqual([format, 0]);
    }
    writeResult(result([{ name: 'b', type: 'INTEGER' }], [[2]]), 'csv', join(folder, 'r.csv')); // replaces
    expect(readFileSync(join(folder, 'r.csv'), 'utf8')).toBe('b\r\n2\r\n');
    expect(readdirSync(folder).sort()).toEqual(FORMATS.map((format) => `r.${format}`).sort());
  });

  it('refuses a folder that does not exist with one line, creating nothing', () => {
    const file = join(tmp.dir, 'missing', 'r.csv');
    expect(() => writeResult(small, 'csv', file)).toThrow(UsageError);
    expect(() => writeResult(small, 'csv', file)).toThrow(/^\S+r\.csv: cannot write: the folder \S+missing does not exist$/);
    expect(existsSync(join(tmp.dir, 'missing'))).toBe(false);
  });

  it('leaves nothing behind when the target cannot be replaced', () => {
    const folder = join(tmp.dir, 'blocked');
    mkdirSync(join(folder, 'r.csv'), { recursive: true }); // a folder where the file should go
    expect(() => writeResult(small, 'csv', join(folder, 'r.csv'))).toThrow(UsageError);
    expect(readdirSync(folder)).toEqual(['r.csv']);
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
      ['r.txt', null],
      ['parquet', null],
      ['r.csv.gz', null],
    ];
    expect(cases.map(([file]) => [file, formatOfFile(file)])).toEqual(cases);
  });
});
