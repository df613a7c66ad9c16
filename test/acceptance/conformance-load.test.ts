// Acceptance: the loading steps of test/fixtures/conformance/README.md, through the real `bulletin load` command
// on one warehouse file. The steps build on each other and run in order. The metrics steps (2, 5, 6, 7) are in
// conformance-metrics.test.ts.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceDir, queryDb, runCli, tempDir, type CliResult } from '../helpers.ts';
import { fileDigests, snapshot, type Snapshot } from './warehouse.ts';

const TABLES = ['cases', 'persons', 'suspects', 'alerts', 'blood_points', 'events'] as const;
type Table = (typeof TABLES)[number];
const ID: Record<Table, string> = {
  cases: 'case_id',
  persons: 'person_id',
  suspects: 'suspect_id',
  alerts: 'alert_id',
  blood_points: 'point_id',
  events: 'event_id',
};

interface Expected {
  live_rows: Record<Table, number>;
  all_rows: Record<Table, number>;
  batch1_rows: Record<Table, number>;
  counts: { bad_person_rows: number; stale_rows: number; deleted_persons: number; corrected_persons: number };
}
const expected = JSON.parse(readFileSync(join(conformanceDir, 'expected.json'), 'utf8')) as Expected;

const batch1 = join(conformanceDir, 'batch1');
const batch2 = join(conformanceDir, 'batch2');
const broken = join(conformanceDir, 'broken');
const filesOf = (dir: string): string[] => readdirSync(dir).sort();
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

const PERSONS_BATCH1 = 'persons-registry-2021-08.csv';
const PERSONS_BATCH2 = 'persons-delta-2021-12.tsv.csv';
const CASES_BATCH2 = 'cases-delta-2021-12.csv';

/** The bad rows of batch1's persons file (GB18030, Chinese headers; the header is line 1), worked out by hand. */
const BAD_PERSON_LINES: Record<number, { columns: string[]; source: string[]; value?: string; why: string }> = {
  758: { columns: ['recovery_method'], source: ['找回方式'], why: 'recovered without a recovery method' },
  1098: { columns: ['person_id'], source: ['人员编号'], why: 'key missing' },
  1290: { columns: ['province'], source: ['失踪地省份'], value: '火星省', why: 'unknown province' },
  1696: { columns: ['recovery_method'], source: ['找回方式'], value: 'teleport', why: 'unknown enum value' },
  2058: { columns: ['recovered_on', 'missing_on'], source: ['找回日期', '失踪日期'], why: 'recovered 2001 before missing 2005' },
  2838: { columns: ['missing_on'], source: ['失踪日期'], value: '2021-13-45', why: 'not a date' },
  3150: { columns: ['missing_on'], source: ['失踪日期'], why: 'required value missing' },
  4123: { columns: ['missing_on'], source: ['失踪日期'], value: '2999-02-03', why: 'date after the load time' },
};

let tmp: { dir: string; cleanup: () => void };
let db: string;

const load = (...paths: string[]): Promise<CliResult> => runCli(['load', ...paths, '--db', db]);
const q = <T = Record<string, unknown>>(sql: string): Promise<T[]> => queryDb<T>(db, sql);
const explain = (r: CliResult): string => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

async function liveCounts(): Promise<Record<Table, number>> {
  const out = {} as Record<Table, number>;
  for (const t of TABLES) out[t] = (await q<{ n: number }>(`SELECT count(*) AS n FROM ${t}`))[0]!.n;
  return out;
}

/** Everything a reader could see: catalog, every row of every table, and the bytes of every file beside the db. */
async function fullState(): Promise<{ content: Snapshot; files: Record<string, string> }> {
  return { content: await snapshot(db), files: fileDigests(db) };
}

beforeAll(() => {
  tmp = tempDir('bulletin-conformance-');
  db = join(tmp.dir, 'warehouse.duckdb');
});
afterAll(() => tmp?.cleanup());

describe('conformance sample, loading steps (test/fixtures/conformance/README.md)', () => {
  let afterStep1: Awaited<ReturnType<typeof fullState>>;
  let afterStep4: Awaited<ReturnType<typeof fullState>>;

  it('step 1: `bulletin load batch1` exits 0 with live rows `batch1_rows` and 8 person rows quarantined', async () => {
    const r = await load(batch1);
    expect(r.code, explain(r)).toBe(0);
    for (const f of filesOf(batch1)) expect(r.stdout, `stdout reports ${f}`).toContain(f);

    expect(await liveCounts()).toEqual(expected.batch1_rows);
    for (const t of TABLES) {
      const [u] = await q<{ n: number; ids: number }>(`SELECT count(*) AS n, count(DISTINCT ${ID[t]}) AS ids FROM ${t}`);
      expect(u!.ids, `${t}: one live row per id`).toBe(u!.n);
    }

    // Quarantine: 8 distinct (file, line) of the persons file, nothing from the other tables.
    const byTable = await q<{ table_name: string; n: number }>(
      `SELECT table_name, count(DISTINCT file || '#' || line::VARCHAR) AS n FROM quarantine GROUP BY ALL ORDER BY ALL`,
    );
    expect(byTable).toEqual([{ table_name: 'persons', n: expected.counts.bad_person_rows }]);
    const rows = await q<{ file: string; line: number; column_name: string; source_column: string; value: string | null; message: string }>(
      `SELECT file, line::BIGINT AS line, column_name, source_column, value, message FROM quarantine ORDER BY line, column_name`,
    );
    expect([...new Set(rows.map((r) => r.line))]).toEqual(Object.keys(BAD_PERSON_LINES).map(Number));
    for (const row of rows) {
      const bad = BAD_PERSON_LINES[row.line]!;
      const where = `quarantine line ${row.line} (${bad.why}): ${JSON.stringify(row)}`;
      expect(basename(row.file), where).toBe(PERSONS_BATCH1);
      expect(bad.columns, where).toContain(row.column_name);
      expect(bad.source, where).toContain(row.source_column);
      expect(row.message, where).toContain(String(row.line));
      expect(row.message, where).toContain(row.source_column);
      if (bad.value !== undefined && bad.columns.length === 1) {
        expect(row.value, where).toBe(bad.value);
        expect(row.message, where).toContain(bad.value);
      }
    }

    // load_log: one row per file, with its SHA-256 and counts.
    const log = await q<{ file: string; sha256: string; table_name: string; rows_read: number; rows_stored: number; rows_quarantined: number; rows_stale: number; outcome: string }>(
      `SELECT file, sha256, table_name, rows_read, rows_stored, rows_quarantined, rows_stale, outcome FROM load_log ORDER BY file`,
    );
    expect(log.map((l) => basename(l.file))).toEqual(filesOf(batch1));
    for (const l of log) {
      expect(l.outcome).toBe('loaded');
      expect(l.sha256, l.file).toBe(sha256(join(batch1, basename(l.file))));
      expect(l.rows_stale, l.file).toBe(0);
      expect(l.rows_quarantined, l.file).toBe(basename(l.file) === PERSONS_BATCH1 ? expected.counts.bad_person_rows : 0);
    }
    expect(log.map((l) => l.table_name).sort()).toEqual([...TABLES].sort());
    const persons = log.find((l) => basename(l.file) === PERSONS_BATCH1)!;
    expect(persons.rows_read).toBe(5015); // 5016 lines, the header and 5015 records
    expect(persons.rows_stored).toBe(expected.batch1_rows.persons);

    afterStep1 = await fullState();
  }, 60_000);

  it('step 3: `bulletin load broken` exits 1, the file rejected whole, nothing changed', async () => {
    const r = await load(broken);
    expect(r.code, explain(r)).toBe(1);
    // Rejected: reported on stdout and stderr, naming the file and the missing required column.
    expect(r.stdout).toContain('cases-broken.csv');
    expect(r.stderr).toContain('cases-broken.csv');
    expect(r.stderr).toContain('case_id');

    const after = await fullState();
    expect(after.content.catalog).toEqual(afterStep1.content.catalog);
    for (const t of Object.keys(afterStep1.content.tables)) {
      expect(after.content.tables[t], `table ${t} unchanged`).toEqual(afterStep1.content.tables[t]);
    }
    expect(Object.keys(after.content.tables).sort()).toEqual(Object.keys(afterStep1.content.tables).sort());
    // "it writes nothing": the warehouse's files are the same bytes.
    expect(after.files).toEqual(afterStep1.files);
  }, 60_000);

  it('step 4: `bulletin load batch2` exits 0 with live rows `live_rows`; history, withdrawals, stale rows and corrections as the sample says', async () => {
    const r = await load(batch2);
    expect(r.code, explain(r)).toBe(0);
    for (const f of filesOf(batch2)) expect(r.stdout, `stdout reports ${f}`).toContain(f);

    expect(await liveCounts()).toEqual(expected.live_rows);

    for (const t of TABLES) {
      const id = ID[t];
      // all_rows = the ids ever stored, withdrawn ones included: the distinct ids of history.<table>.
      const [h] = await q<{ ids: number; withdrawn: number; deleted_applied: number; live_missing: number }>(
        `SELECT (SELECT count(DISTINCT ${id}) FROM history.${t}) AS ids,
                (SELECT count(DISTINCT ${id}) FROM history.${t} WHERE ${id} NOT IN (SELECT ${id} FROM ${t})) AS withdrawn,
                (SELECT count(DISTINCT ${id}) FROM history.${t} WHERE deleted AND applied) AS deleted_applied,
                (SELECT count(*) FROM ${t} WHERE ${id} NOT IN (SELECT ${id} FROM history.${t})) AS live_missing`,
      );
      expect(h!.ids, `history.${t}: distinct ids = all_rows`).toBe(expected.all_rows[t]);
      expect(h!.live_missing, `${t}: every live id is in history`).toBe(0);
      // The ids missing from the live table are exactly the withdrawn ones (an applied deleted=true version).
      expect(h!.withdrawn, `history.${t}: ids not live = all_rows - live_rows`).toBe(expected.all_rows[t] - expected.live_rows[t]);
      expect(h!.deleted_applied, `history.${t}: withdrawn ids`).toBe(h!.withdrawn);
      const [x] = await q<{ n: number }>(
        `SELECT count(*) AS n FROM (SELECT DISTINCT ${id} FROM history.${t} WHERE deleted AND applied) d
          WHERE ${id} IN (SELECT ${id} FROM ${t})`,
      );
      expect(x!.n, `${t}: no withdrawn id is live`).toBe(0);
    }
    // counts.deleted_persons: the persons withdrawn by batch2.
    const [del] = await q<{ n: number }>(`SELECT count(DISTINCT person_id) AS n FROM history.persons WHERE deleted AND applied`);
    expect(del!.n).toBe(expected.counts.deleted_persons);

    // counts.stale_rows: the 25 rows of the persons delta older than the stored version (updated 2021-08-01,
    // lines 2-13 before and 446-458 after the newer row of the same id); stored in history, not applied.
    const log = await q<{ file: string; load_id: unknown; rows_read: number; rows_stale: number; rows_quarantined: number }>(
      `SELECT file, load_id::VARCHAR AS load_id, rows_read, rows_stale, rows_quarantined FROM load_log`,
    );
    expect(log).toHaveLength(filesOf(batch1).length + filesOf(batch2).length);
    const p2 = log.find((l) => basename(l.file) === PERSONS_BATCH2)!;
    expect(p2.rows_read).toBe(458);
    expect(p2.rows_stale).toBe(expected.counts.stale_rows);
    expect(p2.rows_quarantined).toBe(1);
    const stale = await q<{ line: number; old: boolean }>(
      `SELECT source_line::BIGINT AS line, updated_at = TIMESTAMPTZ '2021-08-01 10:00:00+08' AS old
         FROM history.persons WHERE NOT applied ORDER BY source_line`,
    );
    const staleLines = [...Array.from({ length: 12 }, (_, i) => 2 + i), ...Array.from({ length: 13 }, (_, i) => 446 + i)];
    expect(stale.map((s) => s.line)).toEqual(staleLines);
    expect(stale.every((s) => s.old)).toBe(true);
    // Within a file, of two rows with the same id and updated_at the later wins: the cases delta sends C0000021
    // twice (lines 2 and 3), the later row (solved 2021-10-28) is live, the earlier one is in history, not applied.
    expect(await q(`SELECT solved_on::VARCHAR AS solved_on FROM cases WHERE case_id = 'C0000021'`)).toEqual([{ solved_on: '2021-10-28' }]);
    expect(
      await q(`SELECT source_line::BIGINT AS line, applied FROM history.cases WHERE case_id = 'C0000021' AND solved_on > DATE '2021-01-01' ORDER BY source_line`),
    ).toEqual([
      { line: 2, applied: false },
      { line: 3, applied: true },
    ]);

    // A quarantined row changes nothing: P00000001's update to province 火星 (line 459) leaves the batch1 version live.
    const q2 = await q<{ line: number; column_name: string }>(
      `SELECT DISTINCT line::BIGINT AS line, column_name FROM quarantine WHERE file LIKE '%${PERSONS_BATCH2}'`,
    );
    expect(q2).toEqual([{ line: 459, column_name: 'province' }]);
    expect(
      await q(`SELECT province, updated_at = TIMESTAMPTZ '2021-09-01 10:00:00+08' AS batch1_version FROM persons WHERE person_id = 'P00000001'`),
    ).toEqual([{ province: '51', batch1_version: true }]);
    const [bad] = await q<{ n: number }>(
      `SELECT count(DISTINCT file || '#' || line::VARCHAR) AS n FROM quarantine WHERE table_name = 'persons'`,
    );
    expect(bad!.n).toBe(expected.counts.bad_person_rows + 1);

    // counts.corrected_persons: live persons whose recovery date, already set by batch1, batch2 changed.
    const p1 = log.find((l) => basename(l.file) === PERSONS_BATCH1)!;
    const [corr] = await q<{ n: number; earlier: number }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE p.recovered_on < h.recovered_on) AS earlier
         FROM persons p JOIN history.persons h ON h.person_id = p.person_id AND h.load_id::VARCHAR = '${String(p1.load_id)}'
        WHERE h.recovered_on IS NOT NULL AND p.recovered_on IS DISTINCT FROM h.recovered_on`,
    );
    expect(corr!.n).toBe(expected.counts.corrected_persons);
    expect(corr!.earlier).toBe(expected.counts.corrected_persons); // every correction moves the date earlier

    afterStep4 = await fullState();
  }, 60_000);

  it('step 4, README load rules: a row superseded by a later row of the same file is counted as superseded, not stale', async () => {
    // README: a valid row not applied is stale (older than the stored version) or superseded (a later row of the
    // same id in the same file won). The cases delta has exactly one superseded row: C0000021 line 2.
    const [c2] = await q<{ rows_stale: number; rows_superseded: number; rows_read: number; rows_stored: number; rows_quarantined: number }>(
      `SELECT rows_stale, rows_superseded, rows_read, rows_stored, rows_quarantined FROM load_log WHERE file LIKE '%${CASES_BATCH2}'`,
    );
    const [notApplied] = await q<{ n: number; line: number }>(
      `SELECT count(*) AS n, min(h.source_line) AS line FROM history.cases h JOIN load_log l ON l.load_id = h.load_id
       WHERE l.file LIKE '%${CASES_BATCH2}' AND NOT h.applied`,
    );
    expect(notApplied).toEqual({ n: 1, line: 2 });
    expect(c2!.rows_stale).toBe(0);
    expect(c2!.rows_superseded).toBe(1);
    expect(c2!.rows_read).toBe(c2!.rows_stored + c2!.rows_quarantined + c2!.rows_stale + c2!.rows_superseded);
  }, 60_000);

  it('step 8: `bulletin load batch2 batch1` again changes nothing, every file reported already loaded', async () => {
    const r = await load(batch2, batch1);
    expect(r.code, explain(r)).toBe(0);
    const lines = r.stdout.split('\n');
    for (const f of [...filesOf(batch2), ...filesOf(batch1)]) {
      expect(
        lines.some((l) => l.includes(f) && /already loaded/i.test(l)),
        `stdout reports ${f} as already loaded:\n${r.stdout}`,
      ).toBe(true);
    }

    const after = await fullState();
    expect(after.content.catalog).toEqual(afterStep4.content.catalog);
    for (const t of Object.keys(afterStep4.content.tables)) {
      expect(after.content.tables[t], `table ${t} unchanged`).toEqual(afterStep4.content.tables[t]);
    }
    expect(Object.keys(after.content.tables).sort()).toEqual(Object.keys(afterStep4.content.tables).sort());
    expect(after.files).toEqual(afterStep4.files);
  }, 60_000);
});
