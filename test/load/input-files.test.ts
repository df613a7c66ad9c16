// Hostile and broken input files (issue 12, "Broken 3" and the files of "Weak"): gzip bombs, NUL bytes, floods of
// empty lines, mixed line ends, FIFOs and devices, control characters in names and headers, very wide headers.
// Each is either loaded right (line numbers exactly the file's) or rejected with one line naming the file, the
// warehouse byte-identical, in bounded memory (the loader runs with a 128 MB V8 heap), leaving no temporary file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { cloneWarehouse, queryDb, seededRandom, tempDir, type CliResult } from '../helpers.ts';
import { hasStackTrace, lines, load, records, snapshot, toCsv, writeCsv, writeIn } from './fixtures.ts';

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
/** Controls, DEL, C1, line/paragraph separators and bidi controls: none may reach the terminal as they are. */
const UNPRINTABLE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;
const EVENTS_HEADER = 'event_id,province,held_on,updated_at';
const event = (id: string) => `${id},37,2021-06-01,2021-12-01 10:00:00`;


/** A .csv.gz of `header` then `size` bytes of `byte`, compressed as it is written (never whole in memory). */
async function writeGzipBomb(path: string, header: string, byte: number, size: number): Promise<string> {
  const gzip = createGzip({ level: 9 });
  const done = once(gzip.pipe(createWriteStream(path)), 'finish');
  gzip.write(header);
  const block = Buffer.alloc(1 << 24, byte);
  for (let written = 0; written < size; written += block.length) {
    if (!gzip.write(block)) await once(gzip, 'drain');
  }
  gzip.end();
  await done;
  return path;
}

describe('bulletin load: hostile and broken input files', () => {
  const { dir, cleanup } = tempDir('bulletin-input-');
  const baseDb = join(dir, 'base.duckdb');
  const bad = join(dir, 'bad');
  let before: Record<string, string[]>;
  let baseSha = '';
  let copies = 0;

  const cloneDb = () => cloneWarehouse(baseDb, join(dir, `copy-${++copies}.duckdb`));

  /**
   * Loads `paths` into a copy of the baseline in a bounded heap, with a private TMPDIR; each of `rejected` must be
   * rejected with one line naming it and containing `reason`; nothing is written; nothing is left behind.
   */
  async function expectRejected(paths: string[], reason: RegExp, names = paths.map((p) => p.split('/').pop()!)): Promise<CliResult> {
    const db = cloneDb();
    const tmp = join(dir, `tmp-${copies}`);
    mkdirSync(tmp);
    const r = await load(db, paths, { TMPDIR: tmp, NODE_OPTIONS: '--max-old-space-size=128' });
    const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`.slice(0, 4000);
    expect(r.code, detail).toBe(1);
    expect(hasStackTrace(r.stderr), detail).toBe(false);
    for (const name of names) {
      const mine = lines(r.stderr).filter((l) => l.includes(`${name}: rejected`) && !l.startsWith('bulletin:'));
      expect(mine, detail).toHaveLength(1);
      expect(mine[0], detail).toMatch(reason);
    }
    expect(sha(db), 'warehouse file bytes').toBe(baseSha);
    expect(await snapshot(db)).toEqual(before);
    expect(existsSync(`${db}.scratch`), 'scratch folder left').toBe(false);
    expect(readdirSync(tmp).filter((n) => !n.startsWith('tsx')), 'temporary files left').toEqual([]);
    return r;
  }

  beforeAll(async () => {
    const r = await load(baseDb, [writeCsv(join(dir, 'ok'), 'cases-base.csv', 'cases', [{ case_id: 'IB-1' }, { case_id: 'IB-BAD', province: 'Atlantis' }])]);
    if (r.code !== 0) throw new Error(`baseline load failed (${r.code}): ${r.stdout}\n${r.stderr}`);
    before = await snapshot(baseDb);
    baseSha = sha(baseDb);
  }, 60_000);

  afterAll(() => cleanup());

  // ---- gzip bombs, NUL bytes ---------------------------------------------------------------------------------

  it.concurrent('a .csv.gz of a header and 256 MiB of newlines (250 KB packed): rejected as a bomb, not a crash', { timeout: 120_000 }, async () => {
    const path = await writeGzipBomb(join(bad, 'cases-newlines.csv.gz'), 'case_id,category,province,occurred_on,reported_on,updated_at\n', 0x0a, 256 << 20);
    await expectRejected([path], /expands to more than 100 times/);
  });

  it.concurrent('a .csv.gz of a header and 256 MiB of NUL bytes: rejected (was "loaded, 0 rows")', { timeout: 120_000 }, async () => {
    const path = await writeGzipBomb(join(bad, 'cases-nul.csv.gz'), 'case_id,category,province,occurred_on,reported_on,updated_at\n', 0x00, 256 << 20);
    await expectRejected([path], /NUL bytes|expands to more than/);
  });

  it.concurrent('text with NUL bytes: over 1,000, in the header (UTF-16), or any amount unpacked from a gzip: rejected', { timeout: 60_000 }, async () => {
    const header = 'case_id,category,province,occurred_on,reported_on,updated_at\n';
    const many = writeIn(bad, 'cases-nuls.csv', Buffer.concat([Buffer.from(header), Buffer.alloc(1001, 0), Buffer.from('\n')]));
    const spread = writeIn(bad, 'cases-nuls-spread.csv', `${header}${Array.from({ length: 1001 }, (_, i) => `C${i}\u0000,trafficking,37,2020-01-01,2020-01-02,2021-12-01 10:00:00`).join('\n')}\n`);
    const utf16 = writeIn(bad, 'cases-utf16.csv', Buffer.from(toCsv(records('cases', [{ case_id: 'U16' }])), 'utf16le'));
    const packed = writeIn(bad, 'cases-nuls.csv.gz', gzipSync(Buffer.concat([Buffer.from(header), Buffer.alloc(5000, 0)])));
    await expectRejected([many, spread, utf16, packed], /NUL bytes/);
  });

  it.concurrent('a few NUL bytes in values: the rows are quarantined, the file loads', { timeout: 60_000 }, async () => {
    const db = join(dir, 'few-nuls.duckdb');
    const path = writeCsv(join(dir, 'few'), 'cases-few-nuls.csv', 'cases', [{ case_id: 'FN-1' }, { case_id: 'FN\u00002' }, { case_id: 'FN-3', title: 'a\u0000b' }]);
    const r = await load(db, [path]);
    expect(r.code, r.stderr).toBe(0);
    expect(await queryDb(db, 'SELECT line, column_name FROM quarantine ORDER BY line')).toEqual([
      { line: 3, column_name: 'case_id' },
      { line: 4, column_name: 'title' },
    ]);
  });

  // ---- empty lines -------------------------------------------------------------------------------------------

  it.concurrent('more than 1,000,000 empty lines in a row: rejected in bounded memory (DuckDB misreads such runs)', { timeout: 120_000 }, async () => {
    const lf = writeIn(bad, 'events-flood.csv', `${EVENTS_HEADER}\n${event('F1')}\n${'\n'.repeat(1_000_001)}${event('F2')}\n`);
    const crlf = writeIn(bad, 'events-flood-crlf.csv', `${EVENTS_HEADER}\r\n${'\r\n'.repeat(1_000_001)}${event('F2')}\r\n`);
    const gz = writeIn(bad, 'events-flood.csv.gz', gzipSync(`${EVENTS_HEADER}\n${'\n'.repeat(3_000_000)}${event('F3')}\n`));
    await expectRejected([lf, crlf, gz], /more than 1000000 consecutive empty lines \(from line (2|3)\)/);
  });

  it.concurrent('200,000 records each followed by an empty line: loaded, each line number the file\'s (was quadratic)', { timeout: 180_000 }, async () => {
    const db = join(dir, 'alternating.duckdb');
    const body = Array.from({ length: 200_000 }, (_, i) => `${event(`L${2 + 2 * i}`)}\n`).join('\n');
    const r = await load(db, [writeIn(join(dir, 'alt'), 'events-alternating.csv', `${EVENTS_HEADER}\n${body}`)]);
    expect(r.code, r.stderr).toBe(0);
    const [check] = await queryDb<{ rows: number; right: number }>(
      db,
      `SELECT count(*) AS rows, count(*) FILTER (WHERE source_line = CAST(substr(event_id, 2) AS BIGINT)) AS right FROM history.events`,
    );
    expect(check).toEqual({ rows: 200_000, right: 200_000 });
  });

  it.concurrent('empty lines anywhere, LF or CRLF, plain, gzip or GB18030, across read chunks: every line number is the file\'s', { timeout: 180_000 }, async () => {
    const rand = seededRandom(0xb1a2c);
    const runs = [1, 1, 1, 2, 3, 40, 4000, 250_000, 1_000_000];
    const files: Array<{ path: string; ids: number }> = [];
    const variants: Array<{ eol: string; kind: 'plain' | 'gz' | 'gb18030' | 'bom' }> = [
      { eol: '\n', kind: 'plain' }, { eol: '\r\n', kind: 'plain' }, { eol: '\n', kind: 'gz' }, { eol: '\r\n', kind: 'gz' },
      { eol: '\r\n', kind: 'gb18030' }, { eol: '\n', kind: 'bom' },
    ];
    const folder = join(dir, 'blank-lines');
    variants.forEach(({ eol, kind }, v) => {
      const out: string[] = [`${EVENTS_HEADER},remark${eol}`];
      let line = 2;
      let ids = 0;
      // empty lines right after the header too
      if (v % 2 === 0) for (let k = 0; k < 3; k++, line++) out.push(eol);
      while (line < 1_200_000) {
        const records = 1 + Math.floor(rand() * 30_000);
        for (let k = 0; k < records; k++, line++, ids++) out.push(`${event(`L${line}`)},${kind === 'gb18030' ? '备注' : 'x'.repeat(Math.floor(rand() * 60))}${eol}`);
        const run = runs[Math.floor(rand() * runs.length)]!;
        out.push(eol.repeat(run));
        line += run;
      }
      out.push(`${event(`L${line}`)},${eol}`, eol, eol); // a last record, then empty lines at the end
      ids++;
      const text = out.join('');
      const name = `events-blank-${v}-${kind}.csv${kind === 'gz' ? '.gz' : ''}`;
      files.push({ path: writeIn(folder, name, text, { gzip: kind === 'gz', encoding: kind === 'gb18030' ? 'gb18030' : 'utf8', bom: kind === 'bom' }), ids });
    });
    // A CRLF empty line cut by the 1 MiB read chunk: CR the last byte of the first chunk, LF the first of the next.
    const head = `${EVENTS_HEADER},remark\r\n${event('L2')},`;
    const pad = (1 << 20) - 1 - Buffer.byteLength(`${head}\r\n`);
    files.push({ path: writeIn(folder, 'events-blank-cut.csv', `${head}${'p'.repeat(pad)}\r\n\r\n\r\n${event('L5')},x\r\n`), ids: 2 });
    const db = join(dir, 'blank-lines.duckdb');
    const r = await load(db, files.map((f) => f.path));
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const got = await queryDb<{ file: string; rows: number; right: number }>(
      db,
      `SELECT l.file, count(*) AS rows, count(*) FILTER (WHERE h.source_line = CAST(substr(h.event_id, 2) AS BIGINT)) AS right
       FROM history.events h JOIN load_log l USING (load_id) GROUP BY l.file ORDER BY l.file`,
    );
    expect(got).toEqual(files.map((f) => ({ file: f.path, rows: f.ids, right: f.ids })).sort((a, b) => (a.file < b.file ? -1 : 1)));
  });

  // ---- line ends ---------------------------------------------------------------------------------------------

  it.concurrent('mixed line ends (a CRLF file ending in LF, LF ending in CRLF, LF lines inside CRLF): loaded, lines right', { timeout: 60_000 }, async () => {
    const rows = [event('M-OK1'), 'M-BAD,Atlantis,2021-06-01,2021-12-01 10:00:00', event('M-OK2')];
    const texts: Record<string, string> = {
      'events-crlf-lf-end.csv': `${EVENTS_HEADER}\r\n${rows[0]}\r\n${rows[1]}\r\n${rows[2]}\n`,
      'events-lf-crlf-end.csv': `${EVENTS_HEADER}\n${rows[0]}\n${rows[1]}\n${rows[2]}\r\n`,
      'events-mixed.csv': `${EVENTS_HEADER}\r\n${rows[0]}\n${rows[1]}\r\n\n${rows[2]}\r\n`,
    };
    const paths = Object.entries(texts).map(([name, text]) => writeIn(join(dir, 'eol'), name, text));
    paths.push(writeIn(join(dir, 'eol'), 'events-crlf-lf-end.csv.gz', texts['events-crlf-lf-end.csv']!, { gzip: true }));
    paths.push(writeIn(join(dir, 'eol'), 'events-crlf-lf-end-gb.csv', texts['events-crlf-lf-end.csv']!.replace('M-OK1', '山东-1'), { encoding: 'gb18030' }));
    const db = join(dir, 'eol.duckdb');
    const r = await load(db, paths);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const log = await queryDb<{ file: string; rows_stored: number; rows_quarantined: number }>(db, 'SELECT file, rows_stored, rows_quarantined FROM load_log');
    expect(log.map((l) => [l.rows_stored, l.rows_quarantined])).toEqual(paths.map(() => [2, 1]));
    const lines = await queryDb<{ file: string; line: number }>(db, 'SELECT file, line FROM quarantine ORDER BY file');
    expect(lines).toEqual(paths.map((p) => ({ file: p, line: 3 })).sort((a, b) => (a.file < b.file ? -1 : 1)));
    const stored = await queryDb<{ event_id: string; source_line: number }>(db, "SELECT DISTINCT event_id, source_line FROM history.events WHERE event_id LIKE '%OK2' ORDER BY ALL");
    expect(stored).toEqual([{ event_id: 'M-OK2', source_line: 4 }, { event_id: 'M-OK2', source_line: 5 }]);
  });

  // ---- not files ---------------------------------------------------------------------------------------------

  it.concurrent('a FIFO, /dev/zero and /dev/urandom (named or behind an export name): refused at once, never read', { timeout: 60_000 }, async () => {
    const special = join(dir, 'special');
    mkdirSync(special);
    const fifo = join(special, 'cases-fifo.csv');
    execFileSync('mkfifo', [fifo]);
    symlinkSync('/dev/zero', join(special, 'cases-zero.csv'));
    symlinkSync('/dev/urandom', join(special, 'cases-random.csv.gz'));
    const paths = [fifo, join(special, 'cases-zero.csv'), join(special, 'cases-random.csv.gz'), '/dev/zero', '/dev/urandom'];
    await expectRejected(paths, /not a regular file/, ['cases-fifo.csv', 'cases-zero.csv', 'cases-random.csv.gz', '/dev/zero', '/dev/urandom']);
  });

  it.concurrent('a FIFO inside a folder is skipped with a note, never opened; the folder\'s exports load', { timeout: 60_000 }, async () => {
    const folder = join(dir, 'with-fifo');
    mkdirSync(folder);
    execFileSync('mkfifo', [join(folder, 'cases-fifo.csv')]);
    writeCsv(folder, 'cases-real.csv', 'cases', [{ case_id: 'WF-1' }]);
    const db = join(dir, 'with-fifo.duckdb');
    const r = await load(db, [folder]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cases-fifo\.csv: not a regular file \(skipped\)/);
    expect(await queryDb(db, 'SELECT case_id FROM cases')).toEqual([{ case_id: 'WF-1' }]);
  });

  // ---- names and headers -------------------------------------------------------------------------------------

  it.concurrent('control and bidi characters in file names and headers are printed escaped: no forged line, no escape sequence', { timeout: 60_000 }, async () => {
    const folder = join(dir, 'names');
    const forged = writeCsv(folder, 'cases-a\nbulletin: all 9 files loaded\n.csv', 'cases', [{ case_id: 'N-1' }]);
    const esc = writeCsv(folder, 'cases-\u001b[2J\u001b[31mred\u0007.csv', 'cases', [{ case_id: 'N-2' }], {
      header: { title: 'title\u001b]0;pwned\u0007' },
      columns: ['case_id', 'category', 'province', 'occurred_on', 'reported_on', 'updated_at', 'title', 'note\u202Etxt.exe', 'x\u0085y'],
    });
    const bidi = writeIn(folder, 'cases-\u202Egnp.csv', 'case_id,案件编号\r\nN-3,N-3\r\n'); // column given twice: rejected
    const missing = join(folder, 'no-such\u001b[2Jfile.csv');
    const r = await load(join(dir, 'names.duckdb'), [forged, esc, bidi]);
    const all = `${r.stdout}${r.stderr}`;
    expect(r.code, all).toBe(1);
    expect(all.replaceAll('\n', ''), JSON.stringify(all)).not.toMatch(UNPRINTABLE);
    expect(all.split('\n').filter((l) => /^bulletin: all 9/.test(l))).toEqual([]);
    expect(r.stderr).toContain('cases-a\\u000Abulletin: all 9 files loaded\\u000A.csv');
    expect(r.stderr).toContain('cases-\\u001B[2J\\u001B[31mred\\u0007.csv');
    expect(r.stderr).toContain('note\\u202Etxt.exe');
    expect(r.stderr).toContain('cases-\\u202Egnp.csv: rejected');
    const usage = await load(join(dir, 'names2.duckdb'), [missing]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).not.toMatch(UNPRINTABLE);
    expect(usage.stderr).toContain('no-such\\u001B[2Jfile.csv');
  });

  it.concurrent('a header of 12,000 columns (170 KB) loads; the unknown columns are reported once, the list shortened', { timeout: 60_000 }, async () => {
    const extra = Array.from({ length: 12_000 - 6 }, (_, i) => `extra_column_${i}`);
    const header = ['case_id', 'category', 'province', 'occurred_on', 'reported_on', 'updated_at', ...extra].join(',');
    const row = (id: string) => [id, 'trafficking', '37', '2020-01-01', '2020-01-02', '2021-12-01 10:00:00', ...extra.map(() => 'v')].join(',');
    const path = writeIn(join(dir, 'wide'), 'cases-wide.csv', `${header}\n${row('W-1')}\n${row('W-2')}\n`);
    const db = join(dir, 'wide.duckdb');
    const r = await load(db, [path]);
    expect(r.code, r.stderr.slice(0, 2000)).toBe(0);
    const notes = lines(r.stderr).filter((l) => l.includes('unknown columns ignored'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('extra_column_0, extra_column_1');
    expect(notes[0]).toContain('and 11984 more');
    expect(notes[0]!.length).toBeLessThan(1000);
    expect(await queryDb(db, 'SELECT case_id FROM cases ORDER BY case_id')).toEqual([{ case_id: 'W-1' }, { case_id: 'W-2' }]);
  });

  it.concurrent('a header of more than 20,000 columns, or a first line over 1 MiB: rejected, naming the limit', { timeout: 60_000 }, async () => {
    const base = 'case_id,category,province,occurred_on,reported_on,updated_at';
    const wide = writeIn(bad, 'cases-too-wide.csv', `${base},${Array.from({ length: 20_000 }, (_, i) => `c${i}`).join(',')}\nC1\n`);
    const long = writeIn(bad, 'cases-long-header.csv', `${base},${'h'.repeat(1 << 20)}\nC1\n`);
    const r = await expectRejected([wide, long], /at most 20000|longer than 1 MiB/);
    expect(r.stderr).toMatch(/cases-too-wide\.csv: rejected: the header has 20006 columns; an export has at most 20000/);
    expect(r.stderr).toMatch(/cases-long-header\.csv: rejected: the header line is longer than 1 MiB/);
  });
});
