// Folders (recursive, path name order), idempotent reloads by content, empty folders.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryDb, tempDir, type CliResult } from '../helpers.ts';
import { T0, load, lines, snapshot, writeCsv, writeIn } from './fixtures.ts';

const base = (path: string): string => path.split(/[\\/]/).pop() ?? path;

describe('bulletin load: folders and reloads', () => {
  const { dir, cleanup } = tempDir('bulletin-reload-');
  const db = join(dir, 'warehouse.duckdb');
  const batch = join(dir, 'batch');
  const empty = join(dir, 'empty-folder');
  const onlyNotes = join(dir, 'notes-only');
  let first: CliResult;
  let again: CliResult;
  let emptyRun: CliResult;
  let before: Record<string, string[]>;
  let afterAgain: Record<string, string[]>;
  let afterEmpty: Record<string, string[]>;
  const q = <T = Record<string, unknown>>(sql: string) => queryDb<T>(db, sql);
  const ev = (event_id: string, families_reunited: string) => ({ event_id, families_reunited, updated_at: T0 });

  beforeAll(async () => {
    // Written out of name order; path name order is a-sub/events-z.csv, cases-c.csv, events-x1.csv, events-x2.csv.
    writeCsv(batch, 'events-x2.csv', 'events', [ev('E10', '2')]);
    const x1 = writeCsv(batch, 'events-x1.csv', 'events', [ev('E10', '1'), ev('E21', '1')]);
    writeCsv(batch, 'a-sub/events-z.csv', 'events', [ev('E10', '3'), ev('E21', '3')]);
    writeCsv(batch, 'cases-c.csv', 'cases', [{ case_id: 'RC-1' }]);
    writeIn(batch, 'notes.txt', 'not an export\n');
    const p = writeCsv(join(dir, 'other'), 'events-p.csv', 'events', [ev('E30', '1')]);
    const q2 = writeCsv(join(dir, 'other'), 'events-q.csv', 'events', [ev('E30', '2')]);
    const copy = writeIn(join(dir, 'copy'), 'events-copy.csv', readFileSync(x1));
    mkdirSync(empty, { recursive: true });
    writeIn(onlyNotes, 'readme.txt', 'nothing to load here\n');

    // events-p.csv named twice: the second time it is already loaded (within the same command too).
    first = await load(db, [batch, p, q2, p]);
    before = await snapshot(db);
    // The same bytes again: the folder, events-p.csv (loaded before events-q.csv: must not win the tie now), a copy.
    again = await load(db, [batch, p, copy]);
    afterAgain = await snapshot(db);
    emptyRun = await load(db, [empty, onlyNotes]);
    afterEmpty = await snapshot(db);
  }, 60_000);

  afterAll(() => cleanup());

  it('the first load exits 0 and loads the folder recursively (non-export files skipped with a note)', async () => {
    expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
    const log = await q<{ file: string; outcome: string }>('SELECT file, outcome FROM load_log');
    expect(log.map((r) => base(r.file)).sort()).toEqual(
      ['cases-c.csv', 'events-p.csv', 'events-q.csv', 'events-x1.csv', 'events-x2.csv', 'events-z.csv'].sort(),
    );
    expect(log.every((r) => r.outcome === 'loaded')).toBe(true);
    expect(first.stdout + first.stderr).toContain('notes.txt');
    expect(first.stdout + first.stderr).not.toMatch(/^\s+at\s/m);
  });

  it("a folder's files load in path name order (ties go to the later file)", async () => {
    const rows = await q<{ event_id: string; n: number }>(`SELECT event_id, families_reunited AS n FROM events WHERE event_id IN ('E10', 'E21')`);
    // a-sub/events-z.csv first, then events-x1.csv, then events-x2.csv
    expect(Object.fromEntries(rows.map((r) => [r.event_id, r.n]))).toEqual({ E10: 2, E21: 1 });
  });

  it('reloading the same bytes reports "already loaded" for every file and exits 0', () => {
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
    const out = lines(again.stdout);
    for (const name of ['events-z.csv', 'cases-c.csv', 'events-x1.csv', 'events-x2.csv', 'events-p.csv', 'events-copy.csv']) {
      expect(out.some((l) => l.includes(name) && /already loaded/i.test(l)), `${name} in:\n${again.stdout}`).toBe(true);
    }
  });

  it('reloading changes nothing: live tables, history, quarantine and load_log identical', () => {
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['main.events', 'main.cases', 'main.load_log', 'history.events']));
    expect(afterAgain).toEqual(before);
  });

  it('an already loaded file does not count as loaded later (the tie stays with events-q.csv)', async () => {
    expect(await q(`SELECT families_reunited AS n FROM events WHERE event_id = 'E30'`)).toEqual([{ n: 2 }]);
    expect(lines(first.stdout).some((l) => l.includes('events-p.csv') && /already loaded/i.test(l)), first.stdout).toBe(true);
  });

  it('an empty folder (or one without export files) is reported, exit 0, nothing changes', () => {
    expect(emptyRun.code, `${emptyRun.stdout}\n${emptyRun.stderr}`).toBe(0);
    const out = emptyRun.stdout + emptyRun.stderr;
    expect(out).toContain('empty-folder');
    expect(out).toContain('notes-only');
    expect(afterEmpty).toEqual(before);
  });
});
