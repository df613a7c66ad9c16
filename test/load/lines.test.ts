// Line numbers of a large CSV: DuckDB reads it on every core (into a temp table, in file order), and each record's
// line comes from its place in that table. A file of ~30 MB is read in parallel; bad values far apart, after runs of
// empty lines, must still be quarantined with their own line, and every stored row keep its source line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { queryDb, tempDir, type CliResult } from '../helpers.ts';
import { T0, load, writeIn } from './fixtures.ts';

const ROWS = 600_000;
/** Record number (1-based) -> the bad sex value written there. */
const BAD = new Map([
  [7, 'X7'],
  [250_000, 'X250000'],
  [599_999, 'X599999'],
]);
/** Empty lines are written before these record numbers. */
const BLANK_BEFORE = new Map([
  [100_000, 1],
  [400_000, 3],
]);

describe('bulletin load: line numbers of a file read in parallel', () => {
  const { dir, cleanup } = tempDir('bulletin-lines-');
  const db = join(dir, 'warehouse.duckdb');
  /** The physical line of each record number. */
  const lineOf = new Map<number, number>();
  let run: CliResult;

  beforeAll(async () => {
    const parts = ['person_id,sex,missing_on,province,updated_at\n'];
    let line = 1;
    for (let n = 1; n <= ROWS; n++) {
      const blanks = BLANK_BEFORE.get(n) ?? 0;
      if (blanks) parts.push('\n'.repeat(blanks));
      line += blanks + 1;
      lineOf.set(n, line);
      parts.push(`P${String(n).padStart(8, '0')},${BAD.get(n) ?? 'F'},2020-01-0${1 + (n % 9)},37,${T0}\n`);
    }
    writeIn(dir, 'persons-lines.csv', parts.join(''));
    run = await load(db, [join(dir, 'persons-lines.csv')]);
  }, 120_000);

  afterAll(() => cleanup());

  it('quarantines each bad value with its own line', async () => {
    expect(run.code, run.stderr).toBe(0);
    const rows = await queryDb<{ line: number; message: string }>(db, 'SELECT line, message FROM quarantine ORDER BY line');
    expect(rows.map((r) => [Number(r.line), r.message])).toEqual(
      [...BAD].map(([n, value]) => [lineOf.get(n), `sex '${value}' is not one of M, F, U (line ${lineOf.get(n)}, column sex)`]),
    );
  });

  it('stores every other row with its source line', async () => {
    const [{ wrong, stored }] = await queryDb<{ wrong: number; stored: number }>(
      db,
      `SELECT count(*) FILTER (WHERE source_line <> CAST(substr(person_id, 2) AS BIGINT) + 1
                                  + CASE WHEN CAST(substr(person_id, 2) AS BIGINT) >= 400000 THEN 4
                                         WHEN CAST(substr(person_id, 2) AS BIGINT) >= 100000 THEN 1 ELSE 0 END) AS wrong,
              count(*) AS stored FROM history.persons`,
    );
    expect(Number(stored)).toBe(ROWS - BAD.size);
    expect(Number(wrong)).toBe(0);
  });
});
