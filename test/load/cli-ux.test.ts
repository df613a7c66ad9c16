// `bulletin load` as an operator meets it: progress of a big file on a terminal (a real pty: tmux), nothing for a
// quick one, a summary within 100 columns and a one-line total, --table for a file whose name does not say its
// table, and a spreadsheet refused with what to do instead.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import { displayWidth } from '../../pipeline/text-width.ts';
import { shortenMiddle, shortenPath } from '../../pipeline/load/report.ts';
import { queryDb, repoRoot, tempDir } from '../helpers.ts';
import { hasStackTrace, lines, load, snapshot, writeCsv, writeIn } from './fixtures.ts';

const TABLE_LIST = 'cases, persons, suspects, alerts, blood_points, events';

/** A valid persons export of `rows` rows, written by DuckDB (a million rows in about a second). */
async function writeBigPersons(path: string, rows: number): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (
      SELECT 'UX-' || i AS person_id, NULL AS case_id, ['M', 'F', 'U'][i % 3 + 1] AS sex, (1960 + i % 40)::VARCHAR AS birth_on,
        strftime(DATE '1990-01-01' + (i % 9000)::INTEGER, '%Y-%m-%d') AS missing_on, ['11', '37', '41', '44'][i % 4 + 1] AS province,
        NULL AS recovered_on, NULL AS recovery_method, '2021-12-01 10:00:00' AS updated_at, 'false' AS deleted
      FROM range(${rows}) AS t(i)) TO '${path.replaceAll("'", "''")}' (FORMAT csv, HEADER)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A real pty: a tmux server of its own (its own socket), a 100-column window running bash. */
class Terminal {
  private readonly socket: string;

  constructor(private readonly dir: string) {
    this.socket = join(dir, 'tmux.sock');
    this.tmux('new-session', '-d', '-s', 'ux', '-x', '100', '-y', '50', 'bash --noprofile --norc');
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, ...args], { encoding: 'utf8' });
  }

  /**
   * Types `sh script` (which runs `command` between two markers), waits for it to end, and returns every byte the
   * command wrote to the terminal (tmux pipe-pane), carriage returns and escape sequences included, and the screen.
   */
  async run(name: string, command: string, timeoutMs: number): Promise<{ raw: string; screen: string }> {
    const script = join(this.dir, `${name}.sh`);
    const done = join(this.dir, `${name}.done`);
    const log = join(this.dir, `${name}.log`);
    writeFileSync(
      script,
      [
        `cd '${repoRoot}'`,
        "export BULLETIN_NOW='2026-11-23T12:00:00+08:00' BULLETIN_PII_KEY=test-key TZ=UTC",
        "printf '<<<begin>>>\\n'",
        command,
        `echo $? > '${done}.tmp'`,
        "printf '<<<end>>>\\n'",
        `mv '${done}.tmp' '${done}'`,
      ].join('\n'),
    );
    this.tmux('send-keys', '-t', 'ux', 'clear', 'Enter');
    this.tmux('pipe-pane', '-t', 'ux', `cat > '${log}'`);
    this.tmux('send-keys', '-t', 'ux', `sh '${script}'`, 'Enter');
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(done)) {
      if (Date.now() > deadline) throw new Error(`${name}: no end within ${timeoutMs / 1000} s; screen:\n${this.tmux('capture-pane', '-p', '-t', 'ux')}`);
      await sleep(200);
    }
    await sleep(300); // the pipe's last bytes
    this.tmux('pipe-pane', '-t', 'ux');
    const all = readFileSync(log, 'utf8');
    const raw = all.slice(all.indexOf('<<<begin>>>') + '<<<begin>>>'.length, all.lastIndexOf('<<<end>>>'));
    return { raw, screen: this.tmux('capture-pane', '-p', '-t', 'ux') };
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}

/** The texts a terminal line was rewritten with: the parts between carriage returns, erase-line codes removed. */
function rewrites(raw: string): string[] {
  return raw
    .split('\r')
    .map((part) => part.replaceAll('\x1b[K', '').replace(/\n$/, ''))
    .filter((part) => part !== '' && !part.includes('\n'));
}

describe('bulletin load on a terminal (tmux)', () => {
  const { dir, cleanup } = tempDir('bulletin-load-ux-');
  let terminal: Terminal;
  beforeAll(() => {
    terminal = new Terminal(dir);
  });
  afterAll(() => {
    terminal?.close();
    cleanup();
  });

  it('a quick file shows no progress; a big one shows the file, bytes or rows, the rate and the time, rewritten in place, then a total', { timeout: 600_000 }, async () => {
    const quick = writeCsv(join(dir, 'quick'), 'events-quick.csv', 'events', [{ event_id: 'UX-E1' }, { event_id: 'UX-E2' }]);
    const first = await terminal.run('quick', `node bin/bulletin.js load '${quick}' --db '${join(dir, 'quick.duckdb')}'`, 120_000);
    expect(first.raw, JSON.stringify(first.raw)).not.toContain('\r\x1b[K');
    expect(first.raw).not.toMatch(/hashing|reading|parsing|storing/);
    expect(first.raw).toMatch(/^total: 1 file, 2 rows read, 2 stored, 0 quarantined, \d+\.\d s, \d+ rows\/s\r?$/m);

    // Big enough to take well over 2 s (about 10 s on a 2-core machine); a machine that loads it in under 3 s gets
    // a file four times as big, so the test does not rest on this machine's speed.
    let seen: { raw: string; screen: string; seconds: number; name: string } | null = null;
    for (const rows of [1_000_000, 4_000_000]) {
      const name = `persons-ux-${rows}.csv`;
      const big = join(dir, 'big', name);
      mkdirSync(join(dir, 'big'), { recursive: true });
      await writeBigPersons(big, rows);
      const run = await terminal.run(`big-${rows}`, `node bin/bulletin.js load '${big}' --db '${join(dir, `big-${rows}.duckdb`)}'`, 540_000);
      const total = new RegExp(`^total: 1 file, ${rows} rows read, ${rows} stored, 0 quarantined, (\\d+\\.\\d) s, \\d+ rows/s\\r?$`, 'm').exec(run.raw);
      expect(total, run.raw.slice(-2000)).not.toBeNull();
      seen = { ...run, seconds: Number(total![1]), name };
      if (seen.seconds >= 3) break;
    }
    const { raw, screen, name } = seen!;
    expect(seen!.seconds, 'even the bigger file loaded in under 3 s').toBeGreaterThanOrEqual(3);

    const progress = rewrites(raw).filter((text) => text.includes(name) && /: (hashing|reading|parsing|storing)\b/.test(text));
    expect(progress.length, JSON.stringify(raw.slice(0, 3000))).toBeGreaterThan(1);
    for (const text of progress) {
      // `…/persons-ux-1000000.csv: parsing, 86.2 of 86.2 MB read, 0:03`: within the 100-column window, never wrapped.
      expect(displayWidth(text), text).toBeLessThan(100);
      expect(text).toMatch(new RegExp(`${name.replaceAll('.', '\\.')}: (hashing|reading|parsing|storing)\\b.*, \\d+:\\d\\d$`));
      expect(text).toMatch(/\d+(\.\d+)? (of \d+(\.\d+)? )?(kB|MB|GB)|\d+ rows/);
    }
    // The time is counted from the file's start; the first line comes once the file has taken 2 s.
    const [, minutes, seconds] = /, (\d+):(\d\d)$/.exec(progress[0])!;
    expect(Number(minutes) * 60 + Number(seconds), progress[0]).toBeGreaterThanOrEqual(2);
    // A rate: bytes per second while reading, rows per second of the parse while storing.
    expect(progress.some((text) => /\d (kB|MB|GB)\/s|parsed at \d+ rows\/s/.test(text)), progress.join('\n')).toBe(true);

    // At the end the progress line is gone from the screen: the per-file line, the table and the total remain.
    expect(screen).not.toMatch(/(hashing|reading|parsing|storing)\b.*\d:\d\d/);
    expect(screen).toMatch(/^file +table +rows +stored +quarantined +outdated +outcome$/m);
    expect(screen).toMatch(new RegExp(`${name.replaceAll('.', '\\.')} +persons +\\d+ +\\d+ +0 +0 +loaded$`, 'm'));
    expect(screen).toMatch(/^total: 1 file, /m);
  });
});

describe('bulletin load summary, --table and spreadsheets', () => {
  const { dir, cleanup } = tempDir('bulletin-load-ux-');
  afterAll(() => cleanup());
  const opts = { timeout: 120_000 };

  it('without a terminal, a quick load prints no progress line', opts, async () => {
    const file = writeCsv(join(dir, 'plain'), 'events-plain.csv', 'events', [{ event_id: 'UX-P1' }]);
    const r = await load(join(dir, 'plain.duckdb'), [file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).not.toMatch(/hashing|reading|parsing|storing/);
    expect(lines(r.stdout).at(-1)).toMatch(/^total: 1 file, 1 rows read, 1 stored, 0 quarantined, \d+\.\d s, \d+ rows\/s$/);
  });

  it('the summary fits 100 columns: long paths lose the middle of their folders, a long reason is cut on its own line and whole on stderr', opts, async () => {
    const deep = join(dir, 'a-folder-with-a-long-name', 'exports-of-the-registry-2021', 'november', 'second-delivery');
    const persons = writeCsv(deep, 'persons-registry-2021-11-30.csv', 'persons', [
      { person_id: 'UX-W1' },
      { person_id: 'UX-W2', province: 'Atlantis' },
    ]);
    const events = writeCsv(deep, 'events-family-recognition-2021-11.csv', 'events', [{ event_id: 'UX-W3' }]);
    const wrongKind = writeIn(deep, 'cases-2021-11-30.txt', 'case_id\nUX-W4\n');
    const r = await load(join(dir, 'wide.duckdb'), [persons, events, wrongKind]);
    expect(r.code, r.stderr).toBe(1);
    const out = lines(r.stdout);
    for (const line of out) expect(displayWidth(line), line).toBeLessThanOrEqual(100);
    expect(out[0]).toMatch(/^file +table +rows +stored +quarantined +outdated +outcome$/);
    // Each file's own name stays whole on its line; the folders lose their middle.
    expect(out.find((l) => l.includes('persons-registry-2021-11-30.csv'))).toMatch(/…\/.*persons-registry-2021-11-30\.csv +persons +2 +1 +1 +0 +loaded$/);
    expect(out.find((l) => l.includes('events-family-recognition-2021-11.csv'))).toMatch(/ events +1 +1 +0 +0 +loaded$/);
    const rejectedAt = out.findIndex((l) => l.includes('cases-2021-11-30.txt'));
    expect(out[rejectedAt]).toMatch(/ cases +- +- +- +- +rejected$/);
    // The reason on the next line, cut with "…"; whole on stderr and in the last line (the error).
    const reason = 'not an export file: the extension is none of .csv, .csv.gz, .parquet, .arrow, .feather, .arrows, .jsonl, .ndjson';
    expect(reason.length + 2).toBeGreaterThan(100);
    expect(out[rejectedAt + 1]).toMatch(/^ {2}not an export file: the extension is none of .*…$/);
    expect(r.stderr).toContain(`cases-2021-11-30.txt: rejected: ${reason}`);
    expect(lines(r.stderr).at(-1)).toBe(`bulletin: ${wrongKind}: rejected: ${reason}`);
    expect(out.at(-1)).toMatch(/^total: 3 files \(1 rejected\), 3 rows read, 2 stored, 1 quarantined, \d+\.\d s, \d+ rows\/s$/);
  });

  it('shortening keeps both ends and counts Chinese characters as two columns', () => {
    expect(shortenPath('test/fixtures/conformance/batch1/alerts-2021-08.csv', 40)).toBe('test/…/batch1/alerts-2021-08.csv');
    expect(shortenPath('/tmp/bulletin-x/a/b/persons-2021.csv', 30)).toBe('/tmp/…/a/b/persons-2021.csv');
    expect(shortenPath('exports/persons-very-long-name-of-a-file-2021.csv', 20)).toBe('persons-ve…-2021.csv');
    expect(shortenMiddle('人员名单二〇二一年十一月.csv', 16)).toBe('人员名单…月.csv');
    expect(displayWidth(shortenMiddle('人员名单二〇二一年十一月.csv', 16))).toBeLessThanOrEqual(16);
  });

  it('--table NAME loads files whose names do not say their table, a folder of them too', opts, async () => {
    const db = join(dir, 'table.duckdb');
    const file = writeCsv(join(dir, 'named'), 'registry-export-2021-11.csv', 'persons', [{ person_id: 'UX-T1' }]);
    const refused = await load(db, [file]);
    expect(refused.code, refused.stderr).toBe(1);
    expect(lines(refused.stderr).at(-1)).toContain('cannot tell the table from the file name');
    expect(lines(refused.stderr).at(-1)).toContain('--table');

    const r = await load(db, [file, '--table', 'persons']);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).find((l) => l.includes('registry-export-2021-11.csv'))).toMatch(/ persons +1 +1 +0 +0 +loaded$/);

    const folder = join(dir, 'unnamed');
    writeCsv(folder, 'a.csv', 'events', [{ event_id: 'UX-T2' }]);
    writeCsv(folder, 'b.csv', 'events', [{ event_id: 'UX-T3' }]);
    const viaFolder = await load(db, [folder, '--table', 'Events']);
    expect(viaFolder.code, viaFolder.stderr).toBe(0);
    expect(await queryDb(db, `SELECT person_id FROM persons WHERE person_id LIKE 'UX-%'`)).toEqual([{ person_id: 'UX-T1' }]);
    expect(await queryDb(db, `SELECT event_id FROM events WHERE event_id LIKE 'UX-%' ORDER BY 1`)).toEqual([{ event_id: 'UX-T2' }, { event_id: 'UX-T3' }]);
    const log = await queryDb<{ file: string; table_name: string }>(db, `SELECT file, table_name FROM load_log ORDER BY load_id`);
    expect(log.map((l) => [basename(l.file), l.table_name])).toEqual([
      ['registry-export-2021-11.csv', 'persons'],
      ['a.csv', 'events'],
      ['b.csv', 'events'],
    ]);
  });

  it('an unknown --table is a usage error (exit 2, one line listing the tables) and touches no warehouse', opts, async () => {
    const db = join(dir, 'never.duckdb');
    const file = writeCsv(join(dir, 'never'), 'x.csv', 'events', [{ event_id: 'UX-N1' }]);
    const r = await load(db, [file, '--table', 'people']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toEqual([`bulletin: --table people: no such table; the tables are ${TABLE_LIST}`]);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(existsSync(db)).toBe(false);
  });

  it('an Excel or LibreOffice workbook is refused with "save it as CSV UTF-8" (exit 1), the warehouse unchanged', opts, async () => {
    const db = join(dir, 'sheets.duckdb');
    const baseline = await load(db, [writeCsv(join(dir, 'base'), 'persons-base.csv', 'persons', [{ person_id: 'UX-X0' }])]);
    expect(baseline.code, baseline.stderr).toBe(0);
    const before = await snapshot(db);

    // A real workbook, as Excel saves an export it was asked to open.
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('persons');
    sheet.addRow(['person_id', 'missing_on', 'province', 'updated_at']);
    sheet.addRow(['UX-X1', new Date('2010-05-01'), 37, new Date('2021-12-01T02:00:00Z')]);
    const xlsx = join(dir, 'sheets', 'persons-2021-11.xlsx');
    mkdirSync(join(dir, 'sheets'), { recursive: true });
    await workbook.xlsx.writeFile(xlsx);

    const r = await load(db, [xlsx]);
    expect(r.code, r.stderr).toBe(1);
    const reason = 'a spreadsheet (.xlsx), not an export: save it as CSV UTF-8 (Excel: File > Save As > CSV UTF-8) and load the .csv';
    expect(lines(r.stderr).at(-1)).toBe(`bulletin: ${xlsx}: rejected: ${reason}`);
    expect(lines(r.stdout).find((l) => l.includes('persons-2021-11.xlsx'))).toMatch(/ persons +- +- +- +- +rejected$/);
    expect(hasStackTrace(r.stderr)).toBe(false);

    expect(await snapshot(db)).toEqual(before);

    // .xls and .ods the same; in a folder a workbook is refused too, not skipped, and the CSV beside it is loaded.
    const folder = join(dir, 'mixed');
    writeIn(folder, 'cases-2021-11.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));
    writeIn(folder, 'events-2021-11.ods', Buffer.from('PK\x03\x04mimetypeapplication/vnd.oasis.opendocument.spreadsheet'));
    writeCsv(folder, 'events-2021-11.csv', 'events', [{ event_id: 'UX-X2' }]);
    const mixed = await load(db, [folder]);
    expect(mixed.code, mixed.stderr).toBe(1);
    expect(mixed.stderr).toContain('cases-2021-11.xls: rejected: a spreadsheet (.xls), not an export: save it as CSV UTF-8');
    expect(mixed.stderr).toContain('events-2021-11.ods: rejected: a spreadsheet (.ods), not an export: save it as CSV UTF-8');
    expect(lines(mixed.stderr).at(-1)).toMatch(/^bulletin: 2 files rejected: .*save it as CSV UTF-8.*save it as CSV UTF-8/);
    expect(await queryDb(db, `SELECT event_id FROM events WHERE event_id LIKE 'UX-%'`)).toEqual([{ event_id: 'UX-X2' }]);
  });
});
