// Personal data: names and identity numbers of the conformance sample never reach the warehouse (its files, its
// tables) or the command's output; identity numbers are kept only as HMAC-SHA256 under the configured key.
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceDir, queryDb, runCli, tempDir, type CliResult } from '../helpers.ts';
import { idNumbers, input, names, personalValuesIn, personalValuesInText, personsFile, piiSamples } from '../pii.ts';
import { filesBeside, ident, listRelations, qualified, withWarehouse } from '../acceptance/warehouse.ts';

const hmac = (key: string, idNumber: string): string => createHmac('sha256', key).update(idNumber.trim()).digest('hex');

describe('the personal data of the sample is kept nowhere', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: string;
  const runs: CliResult[] = [];

  beforeAll(async () => {
    tmp = tempDir('bulletin-pii-');
    db = join(tmp.dir, 'warehouse.duckdb');
    for (const batch of ['batch1', 'broken', 'batch2']) runs.push(await runCli(['load', join(conformanceDir, batch), '--db', db]));
    expect(runs.map((r) => r.code), runs.map((r) => r.stderr).join('\n')).toEqual([0, 1, 0]);
  }, 90_000);
  afterAll(() => tmp?.cleanup());

  it('the input holds the personal values the search looks for (the search can find them)', () => {
    expect(names.length).toBeGreaterThanOrEqual(5);
    expect(idNumbers.length).toBeGreaterThan(5000); // 5007 records, a few share an identity number
    for (const s of piiSamples) expect(input.some((p) => p.idNumber === s), s).toBe(true);
    expect(personalValuesIn(readFileSync(personsFile)).length).toBe(idNumbers.length + names.length);
    // A check digit of X (none in the sample) is found too, in either case, inside a longer run of digits as well.
    const withX = ['11010519491231002X'];
    expect(personalValuesIn(Buffer.from('id 11010519491231002X,'), withX)).toEqual(['11010519491231002X']);
    expect(personalValuesIn(Buffer.from('7711010519491231002x'), withX)).toEqual(['11010519491231002x']);
    expect(personalValuesIn(Buffer.from('11010519491231002'), withX)).toEqual([]);
  });

  it('no personal value in the bytes of the warehouse file, its WAL or any file beside it', () => {
    const files = filesBeside(db);
    expect([...files.keys()]).toContain('warehouse.duckdb');
    const leaks = [...files].flatMap(([name, bytes]) => personalValuesIn(bytes).map((v) => `${name}: ${v}`));
    expect(leaks).toEqual([]);
  });

  it('no personal value in any cell of any table or view (every column as text)', async () => {
    const leaks = await withWarehouse(db, async (c) => {
      const out: string[] = [];
      for (const t of await listRelations(c)) {
        const cells = t.columns.map((col) => `coalesce(${ident(col.name)}::VARCHAR, '')`).join(` || chr(31) || `);
        const reader = await c.runAndReadAll(`SELECT ${cells} AS row FROM ${qualified(t)}`);
        const text = reader.getRows().map((r) => String(r[0])).join('\n');
        out.push(...personalValuesInText(text).map((v) => `${t.key}: ${v}`));
      }
      return out;
    });
    expect(leaks).toEqual([]);
  }, 60_000);

  it('no column for a name, an identity number in clear or a full birth date', async () => {
    const cols = await queryDb<{ t: string; c: string }>(
      db,
      `SELECT schema_name || '.' || table_name AS t, column_name AS c FROM duckdb_columns()
        WHERE database_name = current_database() AND NOT internal`,
    );
    const forbidden = new Set(['name', 'id_number', 'birth_on', '姓名', '身份证号', '出生日期']);
    expect(cols.filter((x) => forbidden.has(x.c.toLowerCase()))).toEqual([]);
    expect(cols.some((x) => x.t === 'main.persons' && x.c === 'birth_year')).toBe(true);
  });

  it('no personal value in the stdout or stderr of the loads', () => {
    const leaks = runs.flatMap((r, i) => [
      ...personalValuesInText(r.stdout).map((v) => `run ${i} stdout: ${v}`),
      ...personalValuesInText(r.stderr).map((v) => `run ${i} stderr: ${v}`),
    ]);
    expect(leaks).toEqual([]);
  });
});

describe('persons.id_number_hmac', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeAll(() => {
    tmp = tempDir('bulletin-hmac-');
  });
  afterAll(() => tmp?.cleanup());

  /** Loads batch1 into a fresh warehouse with `env`; returns person_id -> id_number_hmac of live and history rows. */
  async function loadBatch1(name: string, env: Record<string, string | undefined>): Promise<{ live: Map<string, string | null>; history: Map<string, string | null> }> {
    const db = join(tmp.dir, name, 'warehouse.duckdb');
    const r = await runCli(['load', join(conformanceDir, 'batch1'), '--db', db], env);
    expect(r.code, r.stderr).toBe(0);
    const read = async (table: string): Promise<Map<string, string | null>> =>
      new Map(
        (await queryDb<{ id: string; h: string | null }>(db, `SELECT person_id AS id, id_number_hmac AS h FROM ${table}`)).map((x) => [x.id, x.h]),
      );
    return { live: await read('persons'), history: await read('history.persons') };
  }

  /** The HMAC of every stored person's input identity number under `key`. */
  function expectHmacs(stored: Map<string, string | null>, key: string): void {
    expect(stored.size).toBe(5007);
    const wrong: string[] = [];
    for (const p of input) {
      if (!stored.has(p.id)) continue;
      const want = p.idNumber.trim() === '' ? null : hmac(key, p.idNumber);
      if (stored.get(p.id) !== want) wrong.push(`${p.id}: stored ${stored.get(p.id)}, want ${want}`);
    }
    expect(wrong.slice(0, 5), `${wrong.length} persons with a wrong hash`).toEqual([]);
  }

  it('with BULLETIN_PII_KEY, is the hex HMAC-SHA256 of the trimmed identity number under that key', async () => {
    const key = 'env-key-9f3c1a';
    const { live, history } = await loadBatch1('env', { BULLETIN_PII_KEY: key, BULLETIN_PII_KEY_FILE: undefined });
    expectHmacs(live, key);
    expectHmacs(history, key);
    expect(live.get('P00000001')).toBe(hmac(key, '777473809177372767'));
    expect(live.get('P00000001')).not.toBe(hmac('test-key', '777473809177372767'));
  }, 60_000);

  it('with BULLETIN_PII_KEY_FILE, is the HMAC under the key read from that file', async () => {
    const key = 'file-key-2b7e44';
    const keyDir = tempDir('bulletin-key-');
    try {
      const keyFile = join(keyDir.dir, 'pii.key');
      writeFileSync(keyFile, key);
      const { live, history } = await loadBatch1('file', { BULLETIN_PII_KEY: undefined, BULLETIN_PII_KEY_FILE: keyFile });
      expectHmacs(live, key);
      expectHmacs(history, key);
    } finally {
      keyDir.cleanup();
    }
  }, 60_000);

  it('without any key, is NULL everywhere (identity numbers dropped)', async () => {
    const db = join(tmp.dir, 'nokey', 'warehouse.duckdb');
    const r = await runCli(['load', join(conformanceDir, 'batch1'), '--db', db], { BULLETIN_PII_KEY: undefined, BULLETIN_PII_KEY_FILE: undefined });
    expect(r.code, r.stderr).toBe(0);
    const hashed = await withWarehouse(db, async (c) => {
      const out: Record<string, string> = {};
      for (const t of await listRelations(c)) {
        if (!t.columns.some((col) => col.name === 'id_number_hmac')) continue;
        const reader = await c.runAndReadAll(`SELECT count(*)::VARCHAR, count(id_number_hmac)::VARCHAR FROM ${qualified(t)}`);
        out[t.key] = reader.getRows()[0]!.map(String).join(' rows, non-null: ');
      }
      return out;
    });
    expect(Object.keys(hashed)).toEqual(expect.arrayContaining(['persons', 'history.persons']));
    for (const [t, v] of Object.entries(hashed)) expect(v, t).toMatch(/ rows, non-null: 0$/);
    expect(hashed.persons).toBe('5007 rows, non-null: 0');
  }, 60_000);
});
