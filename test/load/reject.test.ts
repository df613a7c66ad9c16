// Rejected files: exit 1, one line on stderr naming the file, the warehouse exactly as before, other files still load.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { tableToIPC, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { cloneWarehouse, queryDb, tempDir } from '../helpers.ts';
import { ZH, hasStackTrace, lines, load, records, snapshot, toCsv, writeCsv, writeIn, writeParquet } from './fixtures.ts';

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('bulletin load: rejected files', () => {
  const { dir, cleanup } = tempDir('bulletin-reject-');
  const baseDb = join(dir, 'base.duckdb');
  const bad = join(dir, 'bad');
  let before: Record<string, string[]>;
  let baseSha = '';
  let copies = 0;

  const cloneDb = () => cloneWarehouse(baseDb, join(dir, `copy-${++copies}.duckdb`));

  /** Loads `path` alone into a copy of the baseline and checks the whole rejection contract. */
  async function expectRejected(path: string): Promise<void> {
    const name = path.split(/[\\/]/).pop() ?? path;
    const db = cloneDb();
    const r = await load(db, [path]);
    const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    expect(r.code, detail).toBe(1);
    expect(hasStackTrace(r.stderr), detail).toBe(false);
    // one line that says what (rejected) and where (the file); progress lines may come too
    expect(lines(r.stderr).some((l) => l.includes(name) && /reject/i.test(l)), detail).toBe(true);
    expect(lines(r.stdout).some((l) => l.includes(name) && /reject/i.test(l)), detail).toBe(true);
    // nothing written: the same bytes (README), and so the same contents
    expect(sha(db), 'warehouse file bytes').toBe(baseSha);
    expect(await snapshot(db)).toEqual(before);
  }

  beforeAll(async () => {
    const ok = join(dir, 'ok');
    const files = [
      writeCsv(ok, 'cases-base.csv', 'cases', [{ case_id: 'RB-1' }, { case_id: 'RB-2', category: '拐骗儿童' }, { case_id: 'RB-BAD', province: 'Atlantis' }]),
      writeCsv(ok, 'events-base.csv', 'events', [{ event_id: 'RBE-1' }, { event_id: 'RBE-1', families_reunited: '9', updated_at: '2021-11-01 00:00:00' }]),
    ];
    const r = await load(baseDb, files);
    if (r.code !== 0) throw new Error(`baseline load failed (${r.code}): ${r.stdout}\n${r.stderr}`);
    before = await snapshot(baseDb);
    baseSha = sha(baseDb);
  }, 60_000);

  afterAll(() => cleanup());

  it('the baseline is not empty (so "unchanged" means something)', () => {
    expect(before['main.cases']).toHaveLength(2);
    expect(before['main.quarantine']).toHaveLength(1);
    expect(before['main.load_log']).toHaveLength(2);
    expect(Object.keys(before).some((k) => k.startsWith('history.'))).toBe(true);
  });

  it.concurrent('a CSV missing a required column', { timeout: 30_000 }, async () => {
    const recs = records('cases', [{ case_id: 'RX-1' }, { case_id: 'RX-2' }]);
    const columns = Object.keys(recs[0]).filter((c) => c !== 'reported_on');
    await expectRejected(writeIn(bad, 'cases-nocol.csv', toCsv(recs, { columns })));
  });

  it.concurrent('a column given twice (English name and Chinese alias)', { timeout: 30_000 }, async () => {
    const recs = records('cases', [{ case_id: 'RX-D1' }]).map((r) => ({ ...r, dup: 'RX-D1' }));
    await expectRejected(writeIn(bad, 'cases-dup.csv', toCsv(recs, { header: { dup: ZH.cases.case_id } })));
  });

  it.concurrent('a Parquet file missing a required column', { timeout: 30_000 }, async () => {
    const path = await writeParquet(
      bad,
      'persons-nocol.parquet',
      `SELECT 'RX-P1' AS person_id, DATE '2010-01-01' AS missing_on, '37' AS province`,
    );
    await expectRejected(path);
  });

  it.concurrent('a truncated Parquet file', { timeout: 30_000 }, async () => {
    const whole = await writeParquet(
      join(dir, 'whole'),
      'cases-trunc.parquet',
      `SELECT 'RX-T' || i AS case_id, 'trafficking' AS category, '37' AS province, DATE '2020-01-01' AS occurred_on,
              DATE '2020-01-02' AS reported_on, TIMESTAMPTZ '2021-12-01 02:00:00+00' AS updated_at FROM range(500) r(i)`,
    );
    const bytes = readFileSync(whole);
    await expectRejected(writeIn(bad, 'cases-trunc.parquet', bytes.subarray(0, Math.floor(bytes.length * 0.6))));
  });

  it.concurrent('a garbled Parquet file (not Parquet at all)', { timeout: 30_000 }, async () => {
    await expectRejected(writeIn(bad, 'cases-garbled.parquet', Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 0x5a), Buffer.from('PAR1')])));
  });

  it.concurrent('a CSV with a ragged row (one field too many)', { timeout: 30_000 }, async () => {
    const text = toCsv(records('cases', [{ case_id: 'RX-R1' }, { case_id: 'RX-R2' }, { case_id: 'RX-R3' }]));
    const ls = text.split('\n');
    ls[3] = `${ls[3]},extra`; // the last record
    await expectRejected(writeIn(bad, 'cases-ragged.csv', ls.join('\n')));
  });

  it.concurrent('a CSV with a ragged row (fields missing)', { timeout: 30_000 }, async () => {
    const text = toCsv(records('cases', [{ case_id: 'RX-S1' }, { case_id: 'RX-S2' }]));
    const ls = text.split('\n');
    ls[1] = ls[1].split(',').slice(0, 5).join(','); // the first record
    await expectRejected(writeIn(bad, 'cases-short.csv', ls.join('\n')));
  });

  it.concurrent('a file whose table cannot be told from the name', { timeout: 30_000 }, async () => {
    await expectRejected(writeCsv(bad, 'victims-2021.csv', 'cases', [{ case_id: 'RX-V1' }]));
  });

  it.concurrent('a CSV that is neither UTF-8 nor GB18030', { timeout: 30_000 }, async () => {
    const text = toCsv(records('cases', [{ case_id: 'RX-E1', title: '@@' }, { case_id: 'RX-E2' }]));
    const [head, tail] = text.split('@@');
    // 0xFF is never valid in UTF-8 and is neither a GB18030 single byte nor a lead byte.
    const bytes = Buffer.concat([Buffer.from(head), Buffer.from([0xff, 0xfe, 0xff, 0x41, 0xff]), Buffer.from(tail)]);
    await expectRejected(writeIn(bad, 'cases-encoding.csv', bytes));
  });

  it.concurrent('a named file of another kind', { timeout: 30_000 }, async () => {
    await expectRejected(writeIn(bad, 'cases-2021.xlsx', Buffer.from('PK\u0003\u0004 not really a workbook')));
  });

  it.concurrent('a truncated .csv.gz', { timeout: 30_000 }, async () => {
    const recs = records('cases', Array.from({ length: 300 }, (_, i) => ({ case_id: `RX-G${i}`, title: `case number ${i * 7919}` })));
    const gz = gzipSync(Buffer.from(toCsv(recs)));
    await expectRejected(writeIn(bad, 'cases-trunc.csv.gz', gz.subarray(0, Math.floor(gz.length * 0.6))));
  });

  it.concurrent('a truncated Arrow IPC file', { timeout: 30_000 }, async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `RX-A${i}`);
    const bytes = tableToIPC(
      new Table({
        event_id: vectorFromArray(ids, new Utf8()),
        province: vectorFromArray(ids.map(() => '37'), new Utf8()),
        held_on: vectorFromArray(ids.map(() => '2021-06-01'), new Utf8()),
        updated_at: vectorFromArray(ids.map(() => '2021-12-01 10:00:00'), new Utf8()),
      }),
      'file',
    );
    await expectRejected(writeIn(bad, 'events-trunc.arrow', bytes.subarray(0, Math.floor(bytes.length * 0.6))));
  });

  it.concurrent('other files named in the same command still load', { timeout: 30_000 }, async () => {
    const mixed = join(dir, 'mixed');
    const text = toCsv(records('cases', [{ case_id: 'RX-M1' }, { case_id: 'RX-M2' }]));
    const ragged = writeIn(mixed, 'cases-ragged.csv', text.replace('RX-M2,', 'RX-M2,extra,'));
    const good = writeCsv(mixed, 'cases-good.csv', 'cases', [{ case_id: 'RG-1' }, { case_id: 'RB-1', updated_at: '2021-12-02 10:00:00', title: 'newer' }]);
    const victims = writeCsv(mixed, 'victims.csv', 'cases', [{ case_id: 'RX-V2' }]);
    const db = cloneDb();
    const r = await load(db, [ragged, good, victims]);
    const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    expect(r.code, detail).toBe(1);
    expect(r.stderr, detail).toContain('cases-ragged.csv');
    expect(r.stderr, detail).toContain('victims.csv');
    expect(hasStackTrace(r.stderr), detail).toBe(false);
    const cases = await queryDb<{ case_id: string; title: string | null }>(db, 'SELECT case_id, title FROM cases ORDER BY case_id');
    expect(cases).toEqual([
      { case_id: 'RB-1', title: 'newer' },
      { case_id: 'RB-2', title: null },
      { case_id: 'RG-1', title: null },
    ]);
    const log = await queryDb<{ file: string }>(db, 'SELECT file FROM load_log');
    expect(log.map((l) => l.file.split(/[\\/]/).pop()).sort()).toEqual(['cases-base.csv', 'cases-good.csv', 'events-base.csv']);
    const after = await snapshot(db);
    expect(after['main.quarantine']).toEqual(before['main.quarantine']);
  });
});
