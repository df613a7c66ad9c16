// `bulletin sql`, `queries` and `schema` as the analyst runs them (child processes on a real warehouse loaded from
// the conformance sample): one-shot in every format, standard input, saved queries with bound parameters (and
// their figures checked against the independently worked-out ones), the interactive shell with Ctrl-C.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { tableFromIPC } from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceWarehouse } from '../conformance.ts';
import { bulletinBin, conformanceDir, queryDb, repoRoot, runCli, tempDir } from '../helpers.ts';

const expected = JSON.parse(readFileSync(join(conformanceDir, 'expected.json'), 'utf8'));
const final = expected.final.metrics as Record<string, number>;

describe('bulletin sql', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: string;
  let env: Record<string, string>;
  const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

  beforeAll(() => {
    tmp = tempDir('bulletin-sql-');
    db = conformanceWarehouse(join(tmp.dir, 'warehouse.duckdb'));
    env = { BULLETIN_DB: db, BULLETIN_SQL_HISTORY: join(tmp.dir, 'history') };
  });
  afterAll(() => tmp?.cleanup());

  const sql = (args: string[], more: Record<string, string> = {}) => runCli(['sql', ...args], { ...env, ...more });

  it('prints an aligned table by default, CSV and JSON on request', async () => {
    const table = await sql(['SELECT province, count(*) AS n FROM persons GROUP BY ALL ORDER BY n DESC, province LIMIT 3']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/province/);
    expect(table.stdout).toMatch(/\(3 rows, [\d.]+ s\)/);
    const csv = await sql(['SELECT 1 AS a, \'x,"y"\' AS b', '--format', 'csv']);
    expect(csv.stdout).toBe('a,b\r\n1,"x,""y"""\r\n');
    const json = await sql(['SELECT DATE \'2021-11-30\' AS d, 9007199254740993::BIGINT AS big', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual([{ d: '2021-11-30', big: '9007199254740993' }]);
  }, 60_000);

  it('reads the statement from standard input and from --file', async () => {
    const piped = await new Promise<string>((done) => {
      const child = spawn(process.execPath, [bulletinBin, 'sql', '--format', 'csv'], { cwd: repoRoot, env: { ...process.env, ...env } });
      let out = '';
      child.stdout.on('data', (b) => (out += b));
      child.on('close', () => done(out));
      child.stdin.end('SELECT 40 + 2 AS answer;\n');
    });
    expect(piped).toBe('answer\r\n42\r\n');
    const file = join(tmp.dir, 'q.sql');
    writeFileSync(file, 'SELECT count(*) AS persons FROM persons');
    const fromFile = await sql(['--file', file, '--format', 'json']);
    expect(JSON.parse(fromFile.stdout)[0].persons).toBeGreaterThan(0);
  }, 60_000);

  it('writes Arrow and Parquet files that keep the column types (dates stay dates)', async () => {
    const query = 'SELECT person_id, missing_on, recovered_on, province FROM persons WHERE recovered_on IS NOT NULL ORDER BY person_id';
    const arrowFile = join(tmp.dir, 'r.arrow');
    const parquetFile = join(tmp.dir, 'r.parquet');
    const a = await sql([query, '--out', arrowFile]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/^\d+ rows in [\d.]+ s from snapshot \S+: .*r\.arrow \(arrow\)$/m);
    const p = await sql([query, '--out', parquetFile]);
    expect(p.code, p.stderr).toBe(0);
    const [{ n }] = await queryDb<{ n: number }>(db + '.snapshots/' + readFileSync(db + '.snapshots/latest', 'utf8').trim(), 'SELECT count(*) AS n FROM persons WHERE recovered_on IS NOT NULL');
    const arrow = tableFromIPC(readFileSync(arrowFile));
    expect(arrow.numRows).toBe(n);
    expect(String(arrow.schema.fields.find((f) => f.name === 'missing_on')!.type)).toMatch(/^Date/);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const types = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${parquetFile}')`)).getRowObjectsJS();
      expect(types.find((t) => t.column_name === 'missing_on')?.column_type).toBe('DATE');
      const [{ rows }] = (await connection.runAndReadAll(`SELECT count(*)::INTEGER AS rows FROM read_parquet('${parquetFile}')`)).getRowObjectsJS();
      expect(rows).toBe(n);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }, 60_000);

  it('saved queries: listed with their parameters, run with bound values, agreeing with the worked-out figures', async () => {
    const listed = await runCli(['queries'], env);
    expect(listed.code).toBe(0);
    for (const name of ['recoveries_by_province_method', 'alert_resolution_time', 'fugitives_arrested_by_years_at_large', 'cases_solved_by_years_since_filing', 'quarantine_by_file_reason']) {
      expect(listed.stdout).toContain(`${name}: `);
    }
    expect(listed.stdout).toMatch(/--param as_of=YYYY-MM-DD \(required\)/);
    // Recoveries of the operation (2021-01-01 .. as of) add up to the conformance sample's `recovered`.
    const recoveries = await sql(['--query', 'recoveries_by_province_method', '--param', `as_of=${expected.final.as_of}`, '--format', 'json']);
    expect(recoveries.code, recoveries.stderr).toBe(0);
    expect(JSON.parse(recoveries.stdout).reduce((sum: number, row: { recovered: number }) => sum + row.recovered, 0)).toBe(final.recovered);
    // Fugitives at large 20 years or more add up to `long_fugitives_arrested`.
    const fugitives = await sql(['--query', 'fugitives_arrested_by_years_at_large', '--param', `as_of=${expected.final.as_of}`, '--format', 'json']);
    const rows = JSON.parse(fugitives.stdout) as { years_at_large: number; arrested: number }[];
    expect(rows.filter((r) => r.years_at_large >= 20).reduce((s, r) => s + r.arrested, 0)).toBe(final.long_fugitives_arrested);
    for (const name of ['alert_resolution_time', 'cases_solved_by_years_since_filing']) {
      const r = await sql(['--query', name, '--param', `as_of=${expected.final.as_of}`, '--format', 'json']);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).length, name).toBeGreaterThan(0);
    }
  }, 90_000);

  it('a parameter holding SQL is just a string; a wrong type or a missing parameter is one line, exit 2', async () => {
    const snapshot = db + '.snapshots/' + readFileSync(db + '.snapshots/latest', 'utf8').trim();
    const before = [sha(db), sha(snapshot)];
    const hostile = await sql(['--query', 'quarantine_by_file_reason', '--param', "table='; DROP TABLE persons; --", '--format', 'json']);
    expect(hostile.code, hostile.stderr).toBe(0);
    expect(JSON.parse(hostile.stdout)).toEqual([]);
    const all = await sql(['--query', 'quarantine_by_file_reason', '--format', 'json']);
    expect(JSON.parse(all.stdout).length).toBeGreaterThan(0);
    expect([sha(db), sha(snapshot)]).toEqual(before);
    const [{ n }] = await queryDb<{ n: number }>(snapshot, 'SELECT count(*) AS n FROM persons');
    expect(n).toBeGreaterThan(0);
    const wrongType = await sql(['--query', 'recoveries_by_province_method', '--param', "as_of=2021-11-30'; DROP TABLE persons; --"]);
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr).toMatch(/^bulletin: --param as_of: .* is not a date YYYY-MM-DD\n$/);
    const missing = await sql(['--query', 'recoveries_by_province_method']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/needs --param as_of=YYYY-MM-DD/);
    const unknown = await sql(['--query', 'recoveries_by_province_method', '--param', 'as_of=2021-11-30', '--param', 'region=x']);
    expect(unknown.stderr).toMatch(/--param region: recoveries_by_province_method has no such parameter/);
  }, 60_000);

  it('a write, a file read and bad SQL are refused with one line, exit 1 (cli.md); nothing is written', async () => {
    for (const statement of ['DELETE FROM persons', "COPY persons TO '/tmp/bulletin-leak.csv'", "SELECT * FROM read_csv('/etc/passwd')", 'SELEC 1']) {
      const r = await sql([statement]);
      expect(r.code, statement).toBe(1);
      expect(r.stderr.trim().split('\n'), statement).toHaveLength(1);
      expect(r.stdout, statement).toBe('');
    }
    expect(existsSync('/tmp/bulletin-leak.csv')).toBe(false);
  }, 60_000);

  it('functions that change state are refused, one-shot and in the shell, and every later query still works', async () => {
    const snapshot = db + '.snapshots/' + readFileSync(db + '.snapshots/latest', 'utf8').trim();
    const before = [sha(db), sha(snapshot)];
    const logs = join(tmp.dir, 'duckdb-logs');
    for (const statement of ['SELECT * FROM checkpoint()', 'SELECT * FROM force_checkpoint()', `SELECT * FROM enable_logging(storage='file', storage_path='${logs}')`, `SELECT * FROM enable_profiling(save_location='${logs}.json')`, 'SELECT * FROM disable_logging()', 'SELECT * FROM truncate_duckdb_logs()']) {
      const r = await sql([statement]);
      expect(r.code, statement).toBe(1);
      expect(r.stderr, statement).toMatch(/^bulletin: refused: \w+\(\) is not a function known to only read; only reads run here/);
      expect(r.stderr.trim().split('\n'), statement).toHaveLength(1);
    }
    // In the shell this used to break every later query (the log storage could not be written).
    const child = spawn(process.execPath, [bulletinBin, 'sql', '--interactive'], { cwd: repoRoot, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    child.stdin.end(
      `SELECT * FROM enable_logging(storage='file', storage_path='${logs}');\n` +
        `SELECT * FROM query('SELECT * FROM enable_logging(storage=''file'', storage_path=''${logs}'')');\n` +
        `WITH x AS (SELECT * FROM checkpoint()) SELECT * FROM x;\n.format csv\nSELECT 42 AS answer;\nSELECT count(*) > 0 AS some FROM persons;\n`,
    );
    expect(await exited).toBe(0);
    expect(out.match(/error: refused: \w+\(\) is not a function known to only read/g)).toHaveLength(3);
    expect(out).toMatch(/answer\r\n42\r\n/);
    expect(out).toMatch(/some\r\ntrue\r\n/);
    expect(existsSync(logs)).toBe(false);
    expect([sha(db), sha(snapshot)]).toEqual(before);
  }, 90_000);

  it('bulletin schema prints every table and column with its comment', async () => {
    const r = await runCli(['schema'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^persons \(view\): /m);
    expect(r.stdout).toMatch(/^\s+missing_on\s+DATE\s+\S/m);
    expect(r.stdout).toMatch(/^quarantine \(table\): /m);
  }, 60_000);

  it('the interactive shell: multi-line statements, dot-commands, formats, history, and Ctrl-C cancels a query but not the shell', async () => {
    const child = spawn(process.execPath, [bulletinBin, 'sql', '--interactive'], { cwd: repoRoot, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    const waitFor = async (pattern: RegExp, ms = 30_000) => {
      const started = Date.now();
      while (!pattern.test(out)) {
        if (Date.now() - started > ms) throw new Error(`no ${pattern} in: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    child.stdin.write('.tables\n');
    await waitFor(/^persons\s+view\s+\S/m);
    child.stdin.write('SELECT count(*) AS persons\nFROM persons;\n');
    await waitFor(/\(1 row, [\d.]+ s\)/);
    child.stdin.write('.format csv\nSELECT 7 AS seven;\n');
    await waitFor(/seven\r\n7\r\n/);
    child.stdin.write('SELECT count(*) FROM range(1000000000000) a;\n');
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    await waitFor(/error: .*cancelled/);
    child.stdin.write('SELECT 42 AS answer;\n');
    await waitFor(/answer\r\n42\r\n/);
    child.stdin.write('.quit\n');
    expect(await exited).toBe(0);
    const history = readFileSync(join(tmp.dir, 'history'), 'utf8');
    expect(history).toContain('SELECT count(*) AS persons FROM persons;');
    expect(history).toContain('.format csv');
  }, 90_000);
});
