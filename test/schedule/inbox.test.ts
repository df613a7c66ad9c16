// The ingest job's inbox, on a real warehouse file and real files: load, then archive or reject with a reason, never
// replacing a file, never taking a file still being copied, and never losing one.
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadExports } from '../../pipeline/load/load.ts';
import { chinaDate } from '../../pipeline/dates.ts';
import { ingestInbox, type InboxFileResult } from '../../pipeline/schedule/inbox.ts';
import { conformanceDir, queryDb, tempDir } from '../helpers.ts';

const batch1 = join(conformanceDir, 'batch1');
const batch2 = join(conformanceDir, 'batch2');
const broken = join(conformanceDir, 'broken', 'cases-broken.csv');
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('ingestInbox', () => {
  const { dir, cleanup } = tempDir('bulletin-inbox-');
  afterAll(cleanup);
  const db = join(dir, 'warehouse.duckdb');
  const inbox = join(dir, 'inbox');
  const settings = { dir: inbox, settleSeconds: 60 };
  const now = new Date();
  const archive = join(inbox, 'archive', chinaDate(now));
  const rejected = join(inbox, 'rejected');
  const logged: string[] = [];
  const ingest = (at = now, dbPath = db, inboxSettings = settings): Promise<InboxFileResult[]> =>
    ingestInbox(dbPath, inboxSettings, { now: at, hmacKey: Buffer.from('test-key'), log: (line) => logged.push(line) });

  /** Copies `source` into the inbox as `name`, last modified `ageSeconds` before `now` (a copy finished that long ago). */
  function drop(source: string, name: string, ageSeconds = 600, folder = inbox): string {
    mkdirSync(folder, { recursive: true });
    const target = join(folder, name);
    copyFileSync(source, target);
    const modified = new Date(now.getTime() - ageSeconds * 1000);
    utimesSync(target, modified, modified);
    return target;
  }
  const count = async (table: string) => (await queryDb<{ n: number }>(db, `SELECT count(*) AS n FROM ${table}`))[0].n;

  it('loads the good files into the warehouse and archives them; rejects the broken and the unknown with a reason file', async () => {
    for (const name of readdirSync(batch1)) drop(join(batch1, name), name);
    drop(broken, 'cases-broken.csv');
    writeFileSync(join(inbox, 'notes.txt'), 'not an export\n');
    utimesSync(join(inbox, 'notes.txt'), new Date(now.getTime() - 600_000), new Date(now.getTime() - 600_000));
    // Not for the loader: hidden, partial copies, and what sits in a subfolder.
    drop(join(batch2, 'cases-delta-2021-12.csv'), '.cases-hidden.csv');
    drop(join(batch2, 'cases-delta-2021-12.csv'), 'cases-delta-2021-12.csv.part');
    drop(join(batch2, 'cases-delta-2021-12.csv'), 'cases-copying.tmp');
    drop(join(batch2, 'alerts-2021-12.ndjson'), 'alerts-2021-12.ndjson.partial');
    drop(join(batch2, 'cases-delta-2021-12.csv'), 'cases-delta-2021-12.csv', 600, join(inbox, 'later'));

    const results = await ingest();

    expect(results.map((r) => [r.file, r.outcome])).toEqual([
      [join(inbox, 'alerts-2021-08.csv'), 'loaded'],
      [join(inbox, 'blood_points.csv'), 'loaded'],
      [join(inbox, 'cases-2021-08.csv'), 'loaded'],
      [join(inbox, 'cases-broken.csv'), 'rejected'],
      [join(inbox, 'events-2021-08.parquet'), 'loaded'],
      [join(inbox, 'notes.txt'), 'rejected'],
      [join(inbox, 'persons-registry-2021-08.csv'), 'loaded'],
      [join(inbox, 'suspects-2021-08.jsonl'), 'loaded'],
    ]);
    for (const name of readdirSync(batch1)) {
      expect(results.find((r) => r.file === join(inbox, name))?.movedTo).toBe(join(archive, name));
      expect(sha(join(archive, name)), name).toBe(sha(join(batch1, name)));
    }
    const brokenResult = results.find((r) => r.file.endsWith('cases-broken.csv'))!;
    expect(brokenResult.movedTo).toBe(join(rejected, 'cases-broken.csv'));
    expect(brokenResult.reason).toBe('required column case_id (案件编号) missing from the header');
    expect(sha(join(rejected, 'cases-broken.csv'))).toBe(sha(broken));
    const reason = readFileSync(join(rejected, 'cases-broken.csv.reason.txt'), 'utf8');
    expect(reason).toMatch(/^required column case_id \(案件编号\) missing from the header \(rejected \d{4}-\d\d-\d\d \d\d:\d\d:\d\d China time\)\n$/);
    expect(reason).toContain(new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10));
    expect(readFileSync(join(rejected, 'notes.txt.reason.txt'), 'utf8')).toMatch(/^not an export file: the extension is none of \.csv/);

    // Left where they were: hidden, partial, the subfolder; the inbox holds nothing else.
    expect(readdirSync(inbox).sort()).toEqual(
      ['.cases-hidden.csv', 'alerts-2021-12.ndjson.partial', 'archive', 'cases-copying.tmp', 'cases-delta-2021-12.csv.part', 'later', 'rejected'].sort(),
    );
    expect(readdirSync(join(inbox, 'later'))).toEqual(['cases-delta-2021-12.csv']);
    // The warehouse has batch1's rows (conformance README: 5007 persons, 750 cases), and nothing of the broken file.
    expect(await count('persons')).toBe(5007);
    expect(await count('cases')).toBe(750);
    expect(await count('load_log')).toBe(6);
    // One load for the delivery: one snapshot for readers, holding all of it (never half a delivery).
    expect(readdirSync(`${db}.snapshots`).filter((f) => f.endsWith('.duckdb'))).toEqual([expect.stringMatching(/-load6\.duckdb$/)]);
  }, 60_000);

  it('a second run finds nothing to do', async () => {
    const archived = readdirSync(archive).sort();
    expect(await ingest()).toEqual([]);
    expect(readdirSync(archive).sort()).toEqual(archived);
    expect(await count('load_log')).toBe(6);
  }, 60_000);

  it('the same file dropped again is archived as already loaded, beside the first under a suffixed name', async () => {
    drop(join(batch1, 'persons-registry-2021-08.csv'), 'persons-registry-2021-08.csv');
    const results = await ingest();
    expect(results).toEqual([
      { file: join(inbox, 'persons-registry-2021-08.csv'), outcome: 'already loaded', movedTo: join(archive, 'persons-registry-2021-08.1.csv') },
    ]);
    expect(sha(join(archive, 'persons-registry-2021-08.csv'))).toBe(sha(join(archive, 'persons-registry-2021-08.1.csv')));
    expect(await count('load_log')).toBe(6);
    expect(await count('persons')).toBe(5007);
  }, 60_000);

  it('a file loaded by a run that died before moving it is archived as already loaded by the next', async () => {
    const path = drop(join(batch2, 'events-2021-12.csv.gz'), 'events-2021-12.csv.gz');
    // The dead run's load: stored, but the file never moved.
    const report = await loadExports({ dbPath: db, paths: [path], now, hmacKey: Buffer.from('test-key'), log: () => undefined });
    expect(report.results[0].outcome).toBe('loaded');
    expect(await ingest()).toEqual([{ file: path, outcome: 'already loaded', movedTo: join(archive, 'events-2021-12.csv.gz') }]);
    expect(await count('load_log')).toBe(7);
  }, 60_000);

  it('a file still being copied (modified within settle_seconds) is left alone until it settles', async () => {
    const path = drop(join(batch2, 'cases-delta-2021-12.csv'), 'cases-delta-2021-12.csv', 5);
    logged.length = 0;
    expect(await ingest()).toEqual([]);
    expect(existsSync(path)).toBe(true);
    expect(logged).toContain(`inbox: ${path}: modified 5 s ago, left for a later run (settle_seconds 60)`);
    // A minute later it has settled.
    const later = new Date(now.getTime() + 60_000);
    expect(await ingest(later)).toEqual([{ file: path, outcome: 'loaded', movedTo: join(archive, 'cases-delta-2021-12.csv') }]);
    expect(existsSync(path)).toBe(false);
  }, 60_000);

  it('a rejected name already taken gets a suffix, its own reason file, and the first reason file is kept', async () => {
    const firstReason = readFileSync(join(rejected, 'cases-broken.csv.reason.txt'), 'utf8');
    drop(broken, 'cases-broken.csv');
    const [result] = await ingest();
    expect(result).toMatchObject({ outcome: 'rejected', movedTo: join(rejected, 'cases-broken.1.csv') });
    expect(readFileSync(join(rejected, 'cases-broken.1.csv.reason.txt'), 'utf8')).toMatch(/^required column case_id/);
    expect(readFileSync(join(rejected, 'cases-broken.csv.reason.txt'), 'utf8')).toBe(firstReason);
    expect(readdirSync(rejected).sort()).toEqual(
      ['cases-broken.1.csv', 'cases-broken.1.csv.reason.txt', 'cases-broken.csv', 'cases-broken.csv.reason.txt', 'notes.txt', 'notes.txt.reason.txt'],
    );
  }, 60_000);

  it('a rejected name whose reason file is still there (the file itself taken away) is not reused', async () => {
    rmSync(join(rejected, 'notes.txt'));
    const oldReason = readFileSync(join(rejected, 'notes.txt.reason.txt'), 'utf8');
    writeFileSync(join(inbox, 'notes.txt'), 'still not an export\n');
    utimesSync(join(inbox, 'notes.txt'), new Date(now.getTime() - 600_000), new Date(now.getTime() - 600_000));
    const [result] = await ingest();
    expect(result).toMatchObject({ outcome: 'rejected', movedTo: join(rejected, 'notes.1.txt') });
    expect(readFileSync(join(rejected, 'notes.1.txt.reason.txt'), 'utf8')).toMatch(/^not an export file/);
    expect(readFileSync(join(rejected, 'notes.txt.reason.txt'), 'utf8')).toBe(oldReason);
  }, 60_000);

  it('a file that cannot be moved stays in the inbox, the run says so in one line, and the next run archives it', async () => {
    const otherInbox = join(dir, 'blocked-inbox');
    const otherSettings = { dir: otherInbox, settleSeconds: 60 };
    const path = drop(join(batch2, 'suspects-2021-12.arrows'), 'suspects-2021-12.arrows', 600, otherInbox);
    // archive/ is a file here: no folder can be made in it.
    writeFileSync(join(otherInbox, 'archive'), 'in the way\n');
    const failure = await ingest(now, db, otherSettings).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failure).toMatch(new RegExp(`^inbox: left in the inbox: ${path.replace(/[.]/g, '\\.')} \\(loaded, but not moved: .*archive`));
    expect(failure).not.toContain('\n');
    expect(existsSync(path)).toBe(true);

    rmSync(join(otherInbox, 'archive'));
    expect(await ingest(now, db, otherSettings)).toEqual([
      { file: path, outcome: 'already loaded', movedTo: join(otherInbox, 'archive', chinaDate(now), 'suspects-2021-12.arrows') },
    ]);
  }, 60_000);

  it('a warehouse that cannot be opened stops the run with its one line; every file stays in the inbox', async () => {
    const otherInbox = join(dir, 'no-warehouse-inbox');
    const paths = ['alerts-2021-08.csv', 'cases-2021-08.csv'].map((name) => drop(join(batch1, name), name, 600, otherInbox));
    const notADatabase = join(dir, 'not-a-database.duckdb');
    writeFileSync(notADatabase, 'this is not a DuckDB file\n');
    await expect(ingest(now, notADatabase, { dir: otherInbox, settleSeconds: 60 })).rejects.toThrow(/^[^\n]*not-a-database\.duckdb: cannot open the warehouse/);
    for (const path of paths) expect(existsSync(path)).toBe(true);
    expect(readdirSync(otherInbox).sort()).toEqual(['alerts-2021-08.csv', 'cases-2021-08.csv']);
  }, 60_000);
});
