// Upsert semantics of exports.md and README "Stale": newest updated_at wins, ties go to the later file or the later
// row of a file, deleted withdraws, stale rows and quarantined rows change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { queryDb, tempDir, type CliResult } from '../helpers.ts';
import { T0, load, ms, writeCsv } from './fixtures.ts';

const T1 = '2021-12-02 10:00:00'; // newer than T0
const TM = '2021-11-30 10:00:00'; // older than T0
const base = (path: string): string => path.split(/[\\/]/).pop() ?? path;

describe('bulletin load: upsert', () => {
  const { dir, cleanup } = tempDir('bulletin-upsert-');
  const db = join(dir, 'warehouse.duckdb');
  const results: CliResult[] = [];
  const q = <T = Record<string, unknown>>(sql: string) => queryDb<T>(db, sql);
  const ev = (event_id: string, families_reunited: string, updated_at: string, deleted = 'false', held_on = '2021-06-01') => ({
    event_id, families_reunited, updated_at, deleted, held_on,
  });

  beforeAll(async () => {
    const ex = join(dir, 'exports');
    // step 1
    const f1 = writeCsv(ex, 'events-1.csv', 'events', [
      ev('E1', '1', T0),
      ev('E2', '1', T0),
      ev('E3', '1', T0),
      ev('E4', '1', T0),
      ev('E4', '2', T0), // same id and updated_at later in the file: wins
      ev('E5', '5', T1),
      ev('E5', '4', T0), // older than the row above: stale
      ev('E6', '1', T0),
      ev('E7', '1', T0),
      ev('E8', '1', T0),
      ev('E12', '1', T1),
      ev('E16', '1', '2021-12-01 10:00:00'),
    ]);
    // step 2
    const f2 = writeCsv(ex, 'events-2.csv', 'events', [
      ev('E1', '10', T1), // newer: wins
      ev('E2', '20', TM), // older: stale
      ev('E3', '30', T0), // tie: the later file wins
      ev('E6', '1', T1, 'true'), // withdrawn
      ev('E7', '1', T1, 'true'), // withdrawn, comes back in step 3
      ev('E8', '80', '2021-12-05 10:00:00', 'false', '2021-13-45'), // quarantined: the step-1 version stays
      ev('E12', '1', T0, 'true'), // an older withdrawal: stale, stays live
      ev('E16', '16', '2021-12-01T02:00:00Z'), // the same instant written differently: a tie, the later file wins
    ]);
    // step 3
    const f3 = writeCsv(ex, 'events-3.csv', 'events', [
      ev('E6', '6', '2021-12-01 12:00:00'), // older than the withdrawal: stale, no resurrection
      ev('E7', '7', '2021-12-03 10:00:00'), // newer than the withdrawal: live again
      ev('E3', '31', T0), // tie again: later file wins again
      ev('E13', '1', T0, 'true'), // first seen withdrawn
    ]);
    // step 4: two files in one command, given in reverse name order: the order given counts.
    const fb = writeCsv(ex, 'events-b.csv', 'events', [
      ev('E9', '1', T0),
      ev('E14', '1', T1),
      ev('E15', '1', T0),
      ev('E15', '99', T1, 'false', '2021-02-30'), // quarantined: the earlier valid row of the same file stays
    ]);
    const fa = writeCsv(ex, 'events-a.csv', 'events', [
      ev('E9', '2', T0), // tie with events-b.csv, loaded after it: wins
      ev('E14', '2', T0), // older than events-b.csv's row: stale
    ]);
    for (const files of [[f1], [f2], [f3], [fb, fa]]) results.push(await load(db, files));
  }, 60_000);

  afterAll(() => cleanup());

  it('every step exits 0', () => {
    for (const r of results) expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('live table: newest wins, ties to the later file / later row, withdrawals gone, quarantine changes nothing', async () => {
    const rows = await q<{ event_id: string; n: number }>('SELECT event_id, families_reunited AS n FROM events');
    const got = Object.fromEntries(rows.map((r) => [r.event_id, r.n]));
    expect(got).toEqual({
      E1: 10, // newer updated_at wins
      E2: 1, // older one stale
      E3: 31, // ties: later file
      E4: 2, // within a file: later row of the same updated_at
      E5: 5, // within a file: newest updated_at, not the last row
      E7: 7, // withdrawn then a newer version: live again
      E8: 1, // quarantined newer version: the previous stays live
      E9: 2, // same command: order given
      E12: 1, // older withdrawal: stale
      E14: 1, // older row of a later file: stale
      E15: 1, // quarantined row in the same file
      E16: 16, // same instant as the stored version: tie, later file
    });
    expect(rows).toHaveLength(12);
  });

  it('the live row of E1 carries the newer updated_at', async () => {
    expect(await q(`SELECT epoch_ms(updated_at) AS t FROM events WHERE event_id = 'E1'`)).toEqual([{ t: ms('2021-12-02T02:00:00Z') }]);
  });

  it('history keeps every valid version with deleted and applied', async () => {
    const rows = await q<{ event_id: string; n: number | null; deleted: boolean; applied: boolean; t: number }>(
      `SELECT event_id, families_reunited AS n, deleted, applied, epoch_ms(updated_at) AS t FROM history.events`,
    );
    const of = (id: string) =>
      rows
        .filter((r) => r.event_id === id)
        .map((r) => [r.n, r.deleted, r.applied])
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const sorted = (xs: Array<[number, boolean, boolean]>) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(of('E1')).toEqual(sorted([[1, false, true], [10, false, true]]));
    expect(of('E2')).toEqual(sorted([[1, false, true], [20, false, false]]));
    expect(of('E4')).toEqual(sorted([[1, false, false], [2, false, true]]));
    expect(of('E5')).toEqual(sorted([[5, false, true], [4, false, false]]));
    expect(of('E6')).toEqual(sorted([[1, false, true], [1, true, true], [6, false, false]]));
    expect(of('E7')).toEqual(sorted([[1, false, true], [1, true, true], [7, false, true]]));
    expect(of('E8')).toEqual([[1, false, true]]); // the quarantined version is not a valid row
    expect(of('E12')).toEqual(sorted([[1, false, true], [1, true, false]]));
    expect(of('E13')).toEqual([[1, true, true]]);
    expect(of('E14')).toEqual(sorted([[1, false, true], [2, false, false]]));
    expect(of('E15')).toEqual([[1, false, true]]);
    expect(of('E16')).toEqual([[1, false, true], [16, false, true]]);
    expect(rows).toHaveLength(30 - 2); // 30 rows written, 2 of them quarantined
  });

  it('withdrawn records are gone from the live table', async () => {
    expect(await q(`SELECT event_id FROM events WHERE event_id IN ('E6', 'E13')`)).toEqual([]);
  });

  it('load_log: rows stored, quarantined, stale (older than stored) and superseded (same file) per file', async () => {
    const log = await q<{
      file: string; rows_read: number; rows_stored: number; rows_quarantined: number; rows_stale: number; rows_superseded: number;
    }>('SELECT file, rows_read, rows_stored, rows_quarantined, rows_stale, rows_superseded FROM load_log');
    const got = Object.fromEntries(
      log.map((r) => [base(r.file), [r.rows_read, r.rows_stored, r.rows_quarantined, r.rows_stale, r.rows_superseded]]),
    );
    expect(got).toEqual({
      'events-1.csv': [12, 10, 0, 0, 2], // E4 first row, E5 older row: another row of the same file won
      'events-2.csv': [8, 5, 1, 2, 0], // E2 older, E12 older withdrawal
      'events-3.csv': [4, 3, 0, 1, 0], // E6 older than the withdrawal
      'events-b.csv': [4, 3, 1, 0, 0],
      'events-a.csv': [2, 1, 0, 1, 0], // E14 older than events-b.csv's
    });
  });

  it('the live row records the load that stored it', async () => {
    const rows = await q<{ event_id: string; file: string }>(
      `SELECT e.event_id, l.file FROM events e JOIN load_log l ON e.load_id = l.load_id WHERE e.event_id IN ('E1', 'E2', 'E3', 'E9')`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.event_id, base(r.file)]))).toEqual({
      E1: 'events-2.csv',
      E2: 'events-1.csv',
      E3: 'events-3.csv',
      E9: 'events-a.csv',
    });
  });
});
