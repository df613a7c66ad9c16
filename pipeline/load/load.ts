// `bulletin load`: the loading stage's entry. Phases, per file in the order given:
//   1. identify  the file's table and format from its name, its SHA-256 (skip a file already loaded)
//   2. read      any format into a raw text relation (read.ts)
//   3. parse     text into typed values and rule violations, in SQL (parse.ts)
//   4. store     upsert, quarantine and load_log in one transaction (store.ts)
// then publish a read-only snapshot for readers. A rejected file changes nothing and does not stop the others.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { FileRejected, UsageError } from '../errors.ts';
import { sqlFile } from '../paths.ts';
import { ensureSchema } from '../warehouse/schema.ts';
import { duckdbMessage } from '../warehouse/messages.ts';
import { publishSnapshot, snapshotIsBehind } from '../warehouse/snapshots.ts';
import type { TableName } from '../warehouse/tables.ts';
import { quoteLiteral, Warehouse } from '../warehouse/warehouse.ts';
import { expandPaths, notAnExportReason, type ExportFile } from './files.ts';
import { parseStatement, type HmacPads } from './parse.ts';
import { NO_PHASES, type Phases } from './phases.ts';
import { printable, shortList } from './printable.ts';
import { openRawSource, precheckText, sha256OnWorker } from './read.ts';
import { storeParsed, type StoreCounts } from './store.ts';

export type FileOutcome = 'loaded' | 'already loaded' | 'rejected';

export interface FileResult extends Partial<StoreCounts> {
  /** As given (load_log keeps it so); shown through printable(). */
  file: string;
  table: string | null;
  outcome: FileOutcome;
  reason?: string;
  unknownColumns?: string[];
  seconds: number;
}

export interface LoadOptions {
  dbPath: string;
  paths: string[];
  /** --table: the table of every file, whatever its name says. */
  table?: TableName | null;
  now: Date;
  hmacKey: Buffer | null;
  /** Progress and notes for people, on stderr. */
  log: (line: string) => void;
  /** Told when a file starts, enters each step, and is done; a display keeps its own clock. */
  onProgress?: (progress: LoadProgress) => void;
  lockWaitMs?: number;
  /** Where the time goes, for the load benchmark (phases.ts). */
  phases?: Phases;
}

/**
 * The steps of one file: `hashing` (its SHA-256, to skip a file already loaded), `reading` (the text checks, and
 * the transcoded copy of a GB18030 file), `parsing` (one DuckDB statement, which reports no progress of its own),
 * `storing` (upsert, quarantine, load_log); then `done`.
 */
export type LoadStep = 'hashing' | 'reading' | 'parsing' | 'storing' | 'done';

export interface LoadProgress {
  /** As shown to people; `absolutePath` is the file on disk. */
  file: string;
  absolutePath: string;
  /** 1-based position of the file among `count` files of this load. */
  index: number;
  count: number;
  /** Size of the file on disk. */
  bytes: number;
  step: LoadStep;
  /** Rows read from the file, once parsed (from `storing` on). */
  rows?: number;
}

export interface LoadReport {
  results: FileResult[];
  notes: string[];
  snapshot: string | null;
}

export async function loadExports(options: LoadOptions): Promise<LoadReport> {
  const { files, notes } = expandPaths(options.paths, process.cwd(), options.table ?? null);
  for (const note of notes) options.log(note);
  const phases = options.phases ?? NO_PHASES;
  const warehouse = await Warehouse.open(options.dbPath, { lockWaitMs: options.lockWaitMs ?? 600_000, onWait: options.log });
  const results: FileResult[] = [];
  let snapshot: string | null = null;
  // The load's scratch folder (transcoded and bridged copies, which may hold personal data in clear): beside the
  // warehouse, owner-only, and cleared while the warehouse lock is held, so what a killed load left goes with the next.
  const scratch = scratchFolder(options.dbPath);
  try {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { mode: 0o700 });
    await ensureSchema(warehouse);
    await prepareSession(warehouse);
    const hmac = options.hmacKey ? hmacPads(options.hmacKey) : null;
    phases.mark('open');
    for (const [i, file] of files.entries()) {
      const started = Date.now();
      const where = { file: file.displayPath, absolutePath: file.absolutePath, index: i + 1, count: files.length, bytes: sizeOf(file) };
      const step: StepReport = (name, rows) => options.onProgress?.({ ...where, step: name, rows });
      step('hashing');
      const result = await loadOne(warehouse, file, options, hmac, scratch, step, phases);
      result.seconds = (Date.now() - started) / 1000;
      step('done', result.rowsRead);
      results.push(result);
      options.log(describeResult(result));
    }
    if (await snapshotIsBehind(warehouse)) snapshot = await publishSnapshot(warehouse);
    phases.mark('snapshot');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    warehouse.close();
    phases.mark('close');
  }
  return { results, notes, snapshot };
}

/** `<db>.scratch`: the loader's private folder beside the warehouse. */
export function scratchFolder(dbPath: string): string {
  return `${dbPath}.scratch`;
}

type StepReport = (step: LoadStep, rows?: number) => void;

function sizeOf(file: ExportFile): number {
  try {
    return statSync(file.absolutePath).size;
  } catch {
    return 0; // gone since it was listed: loadOne says so
  }
}

async function loadOne(
  warehouse: Warehouse,
  file: ExportFile,
  options: LoadOptions,
  hmac: HmacPads | null,
  scratch: string,
  step: StepReport,
  phases: Phases,
): Promise<FileResult> {
  const base = { file: file.displayPath, table: file.table, seconds: 0 };
  try {
    // stat, not open: opening a FIFO waits for a writer, and /dev/zero never ends.
    if (!statSync(file.absolutePath).isFile()) throw new FileRejected(file.displayPath, 'not a regular file (a FIFO, device or socket): refused');
    if (!file.format) throw new FileRejected(file.displayPath, notAnExportReason(file.absolutePath));
    if (!file.table) {
      throw new FileRejected(
        file.displayPath,
        'cannot tell the table from the file name: it must start with cases, persons, suspects, alerts, blood_points or events (or name the table with --table)',
      );
    }
    // The file's SHA-256 (on a worker thread) and, for a CSV, its text check (here) read the file side by side; the
    // check's outcome waits until the hash has said whether the file is new, as when they ran one after the other.
    const hashing = sha256OnWorker(file);
    const precheck = precheckText(file);
    let sha256: string;
    try {
      sha256 = await hashing;
    } catch (error) {
      await precheck;
      throw error;
    }
    const known = await warehouse.all(`SELECT load_id FROM load_log WHERE sha256 = $sha256`, { sha256 });
    phases.mark('sha256');
    if (known.length > 0) {
      await precheck;
      return { ...base, outcome: 'already loaded' };
    }

    const startedAt = options.now;
    step('reading');
    const source = await openRawSource(warehouse, file, scratch, phases, precheck);
    try {
      const statement = parseStatement({ table: file.table, source, now: options.now, hmac });
      step('parsing');
      const unreadable = (error: unknown) => {
        throw new FileRejected(file.displayPath, `cannot be read: ${duckdbMessage(error, { firstLine: true, withoutKind: true })}`);
      };
      await warehouse.run(statement.sql, statement.params).catch(unreadable);
      await warehouse.run(statement.view);
      phases.mark('read+parse');
      if (options.onProgress) {
        const [{ rows }] = await warehouse.all<{ rows: number }>(`SELECT count(*) AS rows FROM _parsed`);
        step('storing', Number(rows));
      }
      const [{ next }] = await warehouse.all<{ next: number }>(`SELECT coalesce(max(load_id), 0) + 1 AS next FROM load_log`);
      const counts = await storeParsed(warehouse, {
        loadId: next,
        file: file.displayPath,
        sha256,
        table: file.table,
        format: source.formatLabel,
        encoding: source.encoding,
        startedAt,
      }, statement.quarantine, phases);
      return { ...base, outcome: 'loaded', ...counts, unknownColumns: source.unknownColumns };
    } finally {
      source.cleanup();
      await warehouse.run('DROP VIEW IF EXISTS _parsed; DROP TABLE IF EXISTS _rows; DROP TABLE IF EXISTS _blank_lines');
      phases.mark('cleanup');
    }
  } catch (error) {
    // The reason may quote a header or a DuckDB message holding file text: made printable once, here.
    if (error instanceof FileRejected) return { ...base, outcome: 'rejected', reason: printable(error.reason) };
    throw error;
  }
}

/** Temp macros, and province_code(v): the code of a province spelling, for this connection only. */
async function prepareSession(warehouse: Warehouse): Promise<void> {
  await warehouse.run(sqlFile('load/macros.sql'));
  // Empty lines of a CSV are joined ASOF (read.ts); DuckDB would run that join as a nested loop when it misjudges
  // the size of read_csv's side, quadratic in the rows (50,000 rows and runs: 90 s instead of 1 s).
  await warehouse.run('SET asof_loop_join_threshold = 0');
  // Provinces: the code itself, and every name and alias in lower case. Looked up by a cast to an ENUM of the
  // spellings (a hash lookup) rather than a join, which would not keep the rows in file order: a CSV row's line is
  // its place among the parsed rows (read.ts).
  const spellings = await warehouse.all<{ spelling: string; code: string }>(`SELECT DISTINCT spelling, code FROM (
      SELECT code, unnest([code, lower(name_zh), lower(full_name_zh), lower(name_en)]
                          || coalesce(list_transform(string_split(aliases, ';'), a -> lower(trim(a))), [])) AS spelling
      FROM provinces) WHERE spelling <> '' ORDER BY spelling, code`);
  const codes = new Map<string, string>();
  for (const { spelling, code } of spellings) {
    const other = codes.get(spelling);
    if (other !== undefined && other !== code) throw new Error(`provinces: the spelling ${spelling} names both ${other} and ${code}`);
    codes.set(spelling, code);
  }
  const list = (values: Iterable<string>) => [...values].map((v) => quoteLiteral(v)).join(', ');
  await warehouse.run(`CREATE OR REPLACE TEMP MACRO province_code(v) AS
    list_element([${list(codes.values())}], enum_code(try_cast(province_key(v) AS ENUM(${list(codes.keys())}))) + 1)`);
}

export function hmacPads(key: Buffer): HmacPads {
  // RFC 2104: a key longer than the 64-byte block is hashed first; then zero-padded and XORed with the pads.
  const block = Buffer.alloc(64);
  (key.length > 64 ? createHash('sha256').update(key).digest() : key).copy(block);
  return { inner: block.map((b) => b ^ 0x36), outer: block.map((b) => b ^ 0x5c) };
}

/** The key for identity-number hashes: BULLETIN_PII_KEY, or the file named by BULLETIN_PII_KEY_FILE; none: null. */
export function readHmacKey(env: NodeJS.ProcessEnv): Buffer | null {
  if (env.BULLETIN_PII_KEY) return Buffer.from(env.BULLETIN_PII_KEY, 'utf8');
  const file = env.BULLETIN_PII_KEY_FILE;
  if (!file) return null;
  if (!existsSync(file)) throw new UsageError(`BULLETIN_PII_KEY_FILE: ${file}: no such file`);
  const key = readFileSync(file, 'utf8').trim();
  if (!key) throw new UsageError(`BULLETIN_PII_KEY_FILE: ${file}: the file is empty`);
  return Buffer.from(key, 'utf8');
}

function describeResult(result: FileResult): string {
  const file = printable(result.file);
  switch (result.outcome) {
    case 'loaded': {
      const unknown = result.unknownColumns ?? [];
      const extra = unknown.length ? `; unknown column${unknown.length > 1 ? 's' : ''} ignored: ${shortList(unknown)}` : '';
      return `${file}: ${result.table}: ${result.rowsRead} rows read, ${result.rowsStored} stored, ${result.rowsQuarantined} quarantined, ${result.rowsStale} stale, ${result.rowsSuperseded} superseded (${result.seconds.toFixed(1)} s)${extra}`;
    }
    case 'already loaded':
      return `${file}: already loaded (same bytes), nothing changed`;
    case 'rejected':
      return `${file}: rejected: ${printable(result.reason ?? '')}`;
  }
}
