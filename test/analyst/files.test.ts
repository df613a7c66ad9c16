// `bulletin sql` files as analysts' tools open them (issue 15): Parquet and CSV written by DuckDB itself (read back
// by DuckDB, the writer named in the Parquet footer), Arrow made from that Parquet (read by apache-arrow), Excel
// workbooks opened by LibreOffice; the one file DuckDB may write is the result (a key file beside it cannot be read
// into it); no format writes another; timestamps in China time as DuckDB prints them in the table, CSV and JSON;
// refused and failing statements exit 1. Real processes on a real warehouse loaded from the conformance sample.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateUnit, TimeUnit, Type, tableFromIPC } from 'apache-arrow';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestSnapshotId, snapshotsDir } from '../../pipeline/warehouse/snapshots.ts';
import { conformanceWarehouse } from '../conformance.ts';
import { bulletinBin, repoRoot, runCli, runProcess, tempDir } from '../helpers.ts';

/** Values of many types, as an analyst's query might produce them (the warehouse's own columns are added below). */
const TYPED_QUERY = `SELECT 42::TINYINT AS tiny, 2147483647 AS int, 9007199254740993::BIGINT AS big, 12.500::DECIMAL(18,3) AS money,
  0.1::FLOAT AS real, 2.5::DOUBLE AS dbl, true AS yes, DATE '2021-11-30' AS day, TIME '23:59:59.5' AS clock,
  TIMESTAMP '2021-11-30 08:15:00.25' AS wall, TIMESTAMPTZ '2021-11-29 18:22:05+00' AS instant, '团圆, "quoted"' AS txt,
  '' AS empty, NULL::VARCHAR AS nothing, [1, NULL, 3] AS list, {'name': '小明', 'born': DATE '2015-06-01'} AS person,
  from_hex('00ff41') AS bytes`;

/** `bulletin sql ARGS` with its standard output kept as bytes (a binary format on a pipe). */
function sqlBytes(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bulletinBin, 'sql', ...args], { cwd: repoRoot, env: { ...process.env, TZ: 'UTC', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout: Buffer.concat(chunks), stderr }));
  });
}

/**
 * The cells of an .xlsx as LibreOffice reads them: each cell's value type and value from the workbook saved again
 * as flat ODS, and its text from the workbook saved as UTF-8 CSV (read back by DuckDB's CSV reader).
 */
async function libreOfficeCells(xlsx: string, outDir: string, connection: DuckDBConnection): Promise<{ type: string; value: string | null; text: string | null }[][]> {
  // A profile of its own, so a LibreOffice already running for someone else is not asked instead.
  const profile = `-env:UserInstallation=file://${join(outDir, 'profile')}`;
  const base = join(outDir, xlsx.split('/').pop()!.replace(/\.xlsx$/, ''));
  for (const to of ['fods', 'csv:Text - txt - csv (StarCalc):44,34,76,1']) {
    const converted = await runProcess('soffice', [profile, '--headless', '--convert-to', to, '--outdir', outDir, xlsx]);
    expect(converted.code, converted.stderr).toBe(0);
  }
  const fods = readFileSync(`${base}.fods`, 'utf8');
  const table = /<table:table [^>]*>([\s\S]*?)<\/table:table>/.exec(fods)![1];
  const typed = [...table.matchAll(/<table:table-row[^>]*>([\s\S]*?)<\/table:table-row>/g)].map((row) =>
    [...row[1].matchAll(/<table:table-cell([^>]*?)(?:\/>|>[\s\S]*?<\/table:table-cell>)/g)].flatMap((cell) => {
      const repeated = Number(/number-columns-repeated="(\d+)"/.exec(cell[1])?.[1] ?? 1);
      const type = /office:value-type="([^"]+)"/.exec(cell[1])?.[1] ?? 'empty';
      const value = /office:(?:date-|time-|boolean-)?value="([^"]+)"/.exec(cell[1])?.[1] ?? null;
      return repeated > 100 ? [] : Array.from({ length: repeated }, () => ({ type, value }));
    }),
  );
  const texts = (await connection.runAndReadAll(`SELECT * FROM read_csv('${base}.csv', header = false, all_varchar = true, quote = '"', escape = '"', delim = ',', strict_mode = false)`)).getRows();
  return typed
    .filter((row) => row.some((cell) => cell.type !== 'empty'))
    .map((row, r) => row.map((cell, c) => ({ ...cell, text: (texts[r]?.[c] as string | null) ?? null })));
}

describe('bulletin sql: the files analysts open', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: string;
  let env: Record<string, string>;
  let snapshot: string;
  let duckdb: DuckDBInstance;
  let connection: DuckDBConnection;

  beforeAll(async () => {
    tmp = tempDir('bulletin-files-');
    db = conformanceWarehouse(join(tmp.dir, 'warehouse.duckdb'));
    env = { BULLETIN_DB: db, BULLETIN_SQL_HISTORY: join(tmp.dir, 'history') };
    snapshot = join(snapshotsDir(db), `${latestSnapshotId(db)}.duckdb`);
    // An independent reader: DuckDB on the snapshot, in China time like the analysts' session.
    duckdb = await DuckDBInstance.create(':memory:');
    connection = await duckdb.connect();
    await connection.run(`ATTACH '${snapshot.replaceAll("'", "''")}' AS wh (READ_ONLY)`);
    await connection.run(`SET TimeZone = 'Etc/GMT-8'`);
  }, 120_000);
  afterAll(() => {
    connection?.closeSync();
    duckdb?.closeSync();
    tmp?.cleanup();
  });

  const sql = (args: string[]) => runCli(['sql', ...args], env);
  const rows = async (query: string) => (await connection.runAndReadAll(query)).getRows();
  const literal = (path: string) => `'${path.replaceAll("'", "''")}'`;

  it('Parquet is written by DuckDB itself: types kept, every value equal, to a path with a quote, spaces and Chinese', async () => {
    const folder = join(tmp.dir, "it's 团圆 folder");
    mkdirSync(folder);
    const file = join(folder, "r e'sult.parquet");
    const query = `${TYPED_QUERY}, a.alert_id, a.released_at, a.province FROM wh.alerts a ORDER BY a.alert_id`;
    const r = await sql([query.replaceAll('wh.', ''), '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^500 rows in [\d.]+ s from snapshot \S+: .*r e'sult\.parquet \(parquet\)\n$/);
    // DuckDB's own writer signs the footer.
    const [[createdBy]] = await rows(`SELECT created_by FROM parquet_file_metadata(${literal(file)})`);
    expect(String(createdBy)).toMatch(/^DuckDB/);
    const types = Object.fromEntries((await rows(`DESCRIBE SELECT * FROM read_parquet(${literal(file)})`)).map(([name, type]) => [name, type]));
    expect(types).toMatchObject({
      tiny: 'TINYINT', int: 'INTEGER', big: 'BIGINT', money: 'DECIMAL(18,3)', real: 'FLOAT', dbl: 'DOUBLE', yes: 'BOOLEAN', day: 'DATE',
      clock: 'TIME', wall: 'TIMESTAMP', instant: 'TIMESTAMP WITH TIME ZONE', txt: 'VARCHAR', list: 'INTEGER[]',
      person: 'STRUCT("name" VARCHAR, born DATE)', bytes: 'BLOB', released_at: 'TIMESTAMP WITH TIME ZONE',
    });
    // Every row and value equal to the query's own result, and in its order.
    const [[missing, extra]] = await rows(`SELECT
      (SELECT count(*) FROM (FROM (${query}) EXCEPT ALL FROM read_parquet(${literal(file)}))),
      (SELECT count(*) FROM (FROM read_parquet(${literal(file)}) EXCEPT ALL FROM (${query})))`);
    expect([missing, extra]).toEqual([0n, 0n]);
    const ids = (await rows(`SELECT alert_id FROM read_parquet(${literal(file)})`)).map(([id]) => id);
    expect(ids).toHaveLength(500);
    expect(ids).toEqual([...ids].sort());
    expect(readdirSync(folder)).toEqual(["r e'sult.parquet"]);
  }, 60_000);

  it('CSV files are written by DuckDB: RFC 4180 with CRLF, a header, NULL empty and "" an empty string, China time; --bom for Excel', async () => {
    const file = join(tmp.dir, 'typed.csv');
    const r = await sql([`${TYPED_QUERY};  -- the end`, '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(file, 'utf8');
    const [header, row, end] = text.split('\r\n');
    expect(header).toBe('tiny,int,big,money,real,dbl,yes,day,clock,wall,instant,txt,empty,nothing,list,person,bytes');
    expect(row).toBe(`42,2147483647,9007199254740993,12.500,0.1,2.5,true,2021-11-30,23:59:59.5,2021-11-30 08:15:00.25,2021-11-30 02:22:05+08,"团圆, ""quoted""","",,"[1, NULL, 3]","{'name': 小明, 'born': 2015-06-01}",\\x00\\xFFA`);
    expect(end).toBe('');
    // DuckDB's CSV reader agrees, NULL and the empty string kept apart.
    const back = await rows(`SELECT txt, empty, nothing FROM read_csv(${literal(file)}, header = true, all_varchar = true, allow_quoted_nulls = false)`);
    expect(back).toEqual([['团圆, "quoted"', '', null]]);
    const bom = join(tmp.dir, 'bom.csv');
    const withBom = await sql(['SELECT 1 AS 名字', '--out', bom, '--bom']);
    expect(withBom.code, withBom.stderr).toBe(0);
    expect([...readFileSync(bom)]).toEqual([...Buffer.from('\ufeff名字\r\n1\r\n', 'utf8')]);
  }, 60_000);

  it('reads of DESCRIBE, SUMMARIZE, PIVOT and saved queries with parameters go to files too; EXPLAIN does not', async () => {
    const describeFile = join(tmp.dir, 'describe.csv');
    const described = await sql(['DESCRIBE alerts;', '--out', describeFile]);
    expect(described.code, described.stderr).toBe(0);
    expect(readFileSync(describeFile, 'utf8')).toMatch(/^column_name,column_type,null,key,default,extra\r\nalert_id,VARCHAR,/);
    const summary = await sql(['SUMMARIZE alerts', '--out', join(tmp.dir, 'summary.parquet')]);
    expect(summary.code, summary.stderr).toBe(0);
    const saved = join(tmp.dir, 'recoveries.parquet');
    const recoveries = await sql(['--query', 'recoveries_by_province_method', '--param', 'as_of=2021-11-30', '--out', saved]);
    expect(recoveries.code, recoveries.stderr).toBe(0);
    const json = await sql(['--query', 'recoveries_by_province_method', '--param', 'as_of=2021-11-30', '--format', 'json']);
    const fromJson = (JSON.parse(json.stdout) as { recovered: number }[]).reduce((sum, row) => sum + row.recovered, 0);
    const [[fromParquet]] = await rows(`SELECT sum(recovered)::INTEGER FROM read_parquet(${literal(saved)})`);
    expect(fromParquet).toBe(fromJson);
    const explain = await sql(['EXPLAIN SELECT 1', '--out', join(tmp.dir, 'plan.csv')]);
    expect(explain.code).toBe(1);
    expect(explain.stderr).toBe('bulletin: refused: EXPLAIN output is shown, not written to a file: run it without --out, in the table format\n');
    expect(existsSync(join(tmp.dir, 'plan.csv'))).toBe(false);
  }, 60_000);

  it('DuckDB may write the result and nothing else: a key file in the same folder cannot be read into it, COPY stays refused', async () => {
    const folder = join(tmp.dir, 'with-key');
    mkdirSync(folder);
    writeFileSync(join(folder, 'secret.key'), 'the HMAC key');
    writeFileSync(join(folder, 'notes.csv'), 'a\r\n1\r\n');
    const before = readdirSync(folder).sort();
    for (const [query, message] of [
      [`SELECT * FROM read_text(${literal(join(folder, 'secret.key'))})`, /^bulletin: refused: SQL may not reach outside the warehouse \(Cannot access file "[^"]*secret\.key"\)/],
      [`SELECT * FROM read_csv(${literal(join(folder, 'notes.csv'))})`, /^bulletin: refused: SQL may not reach outside the warehouse/],
      [`SELECT * FROM glob(${literal(join(folder, '*'))})`, /^bulletin: refused: SQL may not reach outside the warehouse/],
      [`COPY (SELECT 1) TO ${literal(join(folder, 'other.csv'))}`, /^bulletin: refused: COPY is not a read/],
    ] as const) {
      for (const format of ['csv', 'parquet', 'arrow']) {
        const r = await sql([query, '--out', join(folder, `result.${format}`)]);
        expect(r.code, `${query} ${format}: ${r.stderr}`).toBe(1);
        expect(r.stderr, query).toMatch(message);
        expect(r.stderr.trim().split('\n'), query).toHaveLength(1);
        expect(readdirSync(folder).sort(), query).toEqual(before);
      }
    }
  }, 90_000);

  it('Arrow IPC files come from that Parquet: apache-arrow reads dates as dates, instants in UTC, decimals exact; an empty result keeps its columns', async () => {
    const file = join(tmp.dir, 'typed.arrow');
    const r = await sql([TYPED_QUERY, '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    const table = tableFromIPC(readFileSync(file));
    expect(table.numRows).toBe(1);
    const type = (name: string) => table.getChild(name)!.type;
    expect([type('day').typeId, type('day').unit]).toEqual([Type.Date, DateUnit.DAY]);
    expect([type('instant').typeId, type('instant').unit, type('instant').timezone]).toEqual([Type.Timestamp, TimeUnit.MICROSECOND, 'UTC']);
    expect([type('money').typeId, type('money').precision, type('money').scale]).toEqual([Type.Decimal, 18, 3]);
    expect([type('big').typeId, type('big').bitWidth, type('tiny').bitWidth]).toEqual([Type.Int, 64, 8]);
    expect(type('list').typeId).toBe(Type.List);
    expect(type('person').typeId).toBe(Type.Struct);
    const row = table.get(0)!.toJSON();
    expect(row.instant).toBe(Date.parse('2021-11-29T18:22:05Z'));
    expect(row.day).toBe(Date.parse('2021-11-30'));
    expect(row.big).toBe(9007199254740993n);
    expect([row.txt, row.empty, row.nothing, row.yes]).toEqual(['团圆, "quoted"', '', null, true]);
    const empty = join(tmp.dir, 'empty.arrow');
    const none = await sql(['SELECT alert_id, released_at FROM alerts WHERE false', '--out', empty]);
    expect(none.code, none.stderr).toBe(0);
    const emptyTable = tableFromIPC(readFileSync(empty));
    expect(emptyTable.numRows).toBe(0);
    expect(emptyTable.schema.fields.map((f) => [f.name, f.type.typeId])).toEqual([['alert_id', Type.Utf8], ['released_at', Type.Timestamp]]);
  }, 60_000);

  it('Parquet, Arrow and Excel go to a pipe as the same bytes a file gets, leaving nothing behind', async () => {
    const scratchBefore = readdirSync(tmpdir()).filter((name) => name.startsWith('bulletin-sql-'));
    const parquet = await sqlBytes(['SELECT alert_id, released_at FROM alerts ORDER BY alert_id', '--format', 'parquet'], env);
    expect(parquet.code, parquet.stderr).toBe(0);
    expect(parquet.stdout.subarray(0, 4).toString()).toBe('PAR1');
    const piped = join(tmp.dir, 'piped.parquet');
    writeFileSync(piped, parquet.stdout);
    const [[n]] = await rows(`SELECT count(*) FROM read_parquet(${literal(piped)})`);
    expect(n).toBe(500n);
    const arrow = await sqlBytes(['SELECT 1 AS a', '--format', 'arrow'], env);
    expect(tableFromIPC(arrow.stdout).get(0)!.toJSON()).toEqual({ a: 1 });
    const xlsx = await sqlBytes(['SELECT 1 AS a', '--format', 'xlsx'], env);
    expect(xlsx.stdout.subarray(0, 2).toString()).toBe('PK');
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('bulletin-sql-'))).toEqual(scratchBefore);
  }, 60_000);

  it('Excel workbooks open in LibreOffice: dates as dates, numbers as numbers, Chinese intact, the header row frozen', async () => {
    const file = join(tmp.dir, 'typed.xlsx');
    const query = `${TYPED_QUERY}, 'tab' || chr(9) || 'here' AS tabbed, 'bell' || chr(7) || ' and _x0041_' AS control, '  spaced  ' AS spaced, 123456789012345678::BIGINT AS long_id`;
    const r = await sql([query, '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^1 row in [\d.]+ s from snapshot \S+: .*typed\.xlsx \(xlsx\)\n$/);
    const [header, row] = await libreOfficeCells(file, join(tmp.dir, 'lo'), connection);
    expect(header.map((cell) => cell.text)).toEqual(['tiny', 'int', 'big', 'money', 'real', 'dbl', 'yes', 'day', 'clock', 'wall', 'instant', 'txt', 'empty', 'nothing', 'list', 'person', 'bytes', 'tabbed', 'control', 'spaced', 'long_id']);
    expect(header.every((cell) => cell.type === 'string')).toBe(true);
    const cell = Object.fromEntries(header.map((h, i) => [h.text, row[i]]));
    expect([cell.tiny, cell.int, cell.money, cell.real, cell.dbl].map((c) => [c.type, c.value])).toEqual([['float', '42'], ['float', '2147483647'], ['float', '12.5'], ['float', '0.1'], ['float', '2.5']]);
    // Beyond 2^53 a number would lose digits: text, every digit kept.
    expect([cell.big.type, cell.big.text]).toEqual(['string', '9007199254740993']);
    expect([cell.long_id.type, cell.long_id.text]).toEqual(['string', '123456789012345678']);
    // Calc keeps a boolean as a number shown TRUE (Excel's own cell type is b).
    expect([cell.yes.type, cell.yes.value, cell.yes.text]).toEqual(['float', '1', 'TRUE']);
    expect([cell.day.type, cell.day.value]).toEqual(['date', '2021-11-30']);
    expect([cell.wall.type, cell.wall.value]).toEqual(['date', '2021-11-30T08:15:00.25']);
    // Excel has no time zone: the China time of the instant.
    expect([cell.instant.type, cell.instant.value]).toEqual(['date', '2021-11-30T02:22:05']);
    expect([cell.clock.type, cell.clock.value]).toEqual(['time', 'PT23H59M59.5S']);
    expect([cell.txt.type, cell.txt.text]).toEqual(['string', '团圆, "quoted"']);
    // Control characters, a literal _xHHHH_ and spaces at either end come back exactly.
    expect([cell.tabbed.text, cell.control.text, cell.spaced.text]).toEqual(['tab\there', 'bell\u0007 and _x0041_', '  spaced  ']);
    expect([cell.list.text, cell.person.text, cell.bytes.text]).toEqual(['[1,null,3]', '{"name":"小明","born":"2015-06-01"}', '\\x00\\xFFA']);
    expect(cell.nothing.type).toBe('empty');
    // The header row frozen, as the sheet says (LibreOffice's headless conversion keeps no view settings).
    const sheet = spawnSync('unzip', ['-p', file, 'xl/worksheets/sheet1.xml'], { encoding: 'utf8' }).stdout;
    expect(sheet).toMatch(/<pane [^>]*ySplit="1"[^>]*state="frozen"/);
    expect(sheet).toMatch(/<c r="G2" t="b"><v>1<\/v><\/c>/);
    // --format xlsx names the same format.
    const named = await sql(['SELECT 1 AS a', '--format', 'xlsx', '--out', join(tmp.dir, 'named.xlsx')]);
    expect(named.code, named.stderr).toBe(0);
    // A value longer than a cell holds stops the command with one line rather than write a workbook to repair.
    const long = await sql([`SELECT 'short' AS note UNION ALL SELECT repeat('团', 32768)`, '--out', join(tmp.dir, 'long.xlsx')]);
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(/^bulletin: a value in column note is longer than an Excel cell holds \(32,767 characters\): use --format csv or parquet\n$/);
    expect(existsSync(join(tmp.dir, 'long.xlsx'))).toBe(false);
  }, 120_000);

  it('no format writes another: an extension that disagrees with --format, or names none, is refused and nothing is written', async () => {
    const cases: [args: string[], message: RegExp][] = [
      [['--format', 'csv', '--out', join(tmp.dir, 'x.parquet')], /^bulletin: --out \S+x\.parquet names a parquet file, but --format is csv: give the file the extension of its format\n$/],
      [['--format', 'table', '--out', join(tmp.dir, 'x.xlsx')], /names a xlsx file, but --format is table/],
      [['--format', 'parquet', '--out', join(tmp.dir, 'x.arrow')], /names a arrow file, but --format is parquet/],
      [['--out', join(tmp.dir, 'x.txt')], /^bulletin: --out \S+x\.txt: the extension names no format \(\.csv \.json \.parquet \.arrow \.xlsx\); give one, or --format\n$/],
      [['--out', join(tmp.dir, 'x.xls')], /the extension names no format/],
      [['--out', join(tmp.dir, 'x')], /the extension names no format/],
    ];
    for (const [args, message] of cases) {
      const r = await sql(['SELECT 1 AS a', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    for (const name of ['x.parquet', 'x.xlsx', 'x.arrow', 'x.txt', 'x.xls', 'x']) expect(existsSync(join(tmp.dir, name)), name).toBe(false);
    // An extension that names no format, with --format: the format given.
    const given = await sql(['SELECT 1 AS a', '--format', 'csv', '--out', join(tmp.dir, 'given.txt')]);
    expect(given.code, given.stderr).toBe(0);
    expect(readFileSync(join(tmp.dir, 'given.txt'), 'utf8')).toBe('a\r\n1\r\n');
  }, 60_000);

  it('timestamps are China time as DuckDB prints them, in the table, CSV (stdout and file) and JSON', async () => {
    const query = `SELECT TIMESTAMPTZ '2021-11-29 18:22:05Z' AS t`;
    const table = await sql([query]);
    expect(table.stdout).toMatch(/^t +\n-+\n2021-11-30 02:22:05\+08\n/);
    expect((await sql([query, '--format', 'csv'])).stdout).toBe('t\r\n2021-11-30 02:22:05+08\r\n');
    expect(JSON.parse((await sql([query, '--format', 'json'])).stdout)).toEqual([{ t: '2021-11-30 02:22:05+08' }]);
    const file = join(tmp.dir, 't.csv');
    expect((await sql([query, '--out', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('t\r\n2021-11-30 02:22:05+08\r\n');
    // Every alert on the calendar day the bulletin counts it on (china_date), though many are another day in UTC.
    const json = await sql(['SELECT alert_id, released_at FROM alerts ORDER BY alert_id', '--format', 'json']);
    const alerts = JSON.parse(json.stdout) as { alert_id: string; released_at: string }[];
    const chinaDays = new Map((await rows(`SELECT alert_id, CAST(timezone('Etc/GMT-8', released_at) AS DATE)::VARCHAR, CAST(timezone('UTC', released_at) AS DATE)::VARCHAR FROM wh.alerts`)).map(([id, china, utc]) => [id, [china, utc]]));
    expect(alerts).toHaveLength(500);
    let otherDayInUtc = 0;
    for (const alert of alerts) {
      const [china, utc] = chinaDays.get(alert.alert_id)!;
      expect(alert.released_at.slice(0, 10)).toBe(china);
      expect(alert.released_at).toMatch(/\+08$/);
      if (utc !== china) otherDayInUtc++;
    }
    expect(otherDayInUtc).toBeGreaterThan(0);
  }, 60_000);

  it('a refused or failing statement exits 1 with one line, for every format, and leaves no file', async () => {
    for (const statement of ['DELETE FROM persons', 'SELEC 1', 'SELECT no_such_column FROM persons', `SELECT * FROM read_csv('/etc/passwd')`, 'SELECT 1; SELECT 2']) {
      for (const out of [[], ['--format', 'json'], ['--out', join(tmp.dir, 'refused.parquet')], ['--out', join(tmp.dir, 'refused.xlsx')], ['--out', join(tmp.dir, 'refused.csv')]]) {
        const r = await sql([statement, ...out]);
        expect(r.code, `${statement} ${out.join(' ')}: ${r.stderr}`).toBe(1);
        expect(r.stderr.trim().split('\n'), statement).toHaveLength(1);
        expect(r.stderr, statement).toMatch(/^bulletin: /);
        expect(r.stdout, statement).toBe('');
      }
    }
    expect(readdirSync(tmp.dir).filter((name) => name.startsWith('refused') || name.endsWith('.partial') || name.endsWith('.partial.parquet'))).toEqual([]);
  }, 120_000);
});
