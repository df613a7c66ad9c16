// Reading stage: turns one export file of any accepted format into a SQL relation of raw text values, one column
// per export column under its spec name, plus `_line` (CSV line, or 1-based row number). Parsing and checks happen
// later, in SQL over whole columns. What cannot be read at all is a FileRejected.
//
// Encodings and Arrow are bridged outside DuckDB, since its built-in readers take neither: GB18030 is transcoded to
// a private UTF-8 copy with iconv-lite, Arrow IPC (file or stream) is rewritten as Parquet with parquet-wasm. The
// copies live in the load's scratch folder beside the warehouse (load.ts).
import { isUtf8 } from 'node:buffer';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pipeline as streamPipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import iconv from 'iconv-lite';
import { FileRejected } from '../errors.ts';
import { fileSha256OnWorker, NotRegularFile, openRegularFile } from '../files.ts';
import { EXPORT_TABLES, type ExportColumn } from '../warehouse/tables.ts';
import { duckdbMessage } from '../warehouse/messages.ts';
import { quoteIdent, quoteLiteral, type SqlParams, type Warehouse } from '../warehouse/warehouse.ts';
import type { ExportFile, ExportFormat } from './files.ts';
import { Gb18030ToUtf8 } from './gb18030.ts';
import { NO_PHASES, type Phases } from './phases.ts';

export interface RawSource {
  /**
   * Set for a CSV: `sql` has no `_line`. The parse writes its rows in file order (DuckDB's reader and the insert
   * keep it on every core, where numbering rows WITH ORDINALITY or row_number() OVER () would run on one), and
   * the line of a row is `lineSql` over its rowid, with `from` naming the parsed rows `_rows AS _r`.
   */
  linesFromRowid?: { lineSql: string; from: string };
  /** A SELECT of `_line` (unless linesFromRowid) and one VARCHAR column per export column found, blank values as NULL. */
  sql: string;
  params: SqlParams;
  /** Spec column name -> the header as written in the file (`missing_on` -> `失踪日期`). */
  headers: Map<string, string>;
  /** How a position is named in messages: CSV lines, rows elsewhere. */
  positionWord: 'line' | 'row';
  encoding: string | null;
  formatLabel: string;
  unknownColumns: string[];
  /** Columns whose raw relation also has `_nested_<name>`: true where the value is an object, array or list. */
  nested: Set<string>;
  cleanup: () => void;
}

/** Past this size the first line is no header (its length is checked while the file streams by). */
const MAX_HEADER_BYTES = 1 << 20;
/** The widest export table has 12 columns; a header may carry unknown ones, up to this many in all. */
const MAX_COLUMNS = 20_000;
/**
 * A gzip bomb guard: a .csv.gz may expand to at most this many times its compressed size once past GZIP_FLOOR bytes.
 * CSV exports compress 3 to 20 times (the 1M-row bench file 3.6, one repeated row with a counter 21);
 * deflate's limit is about 1,030, and a file of newlines or NUL bytes reaches it.
 */
const GZIP_MAX_RATIO = 100;
const GZIP_FLOOR = 64 << 20;
/** NUL bytes a text export may hold (each one quarantines its row, as a control character); more: not a text file. */
const MAX_NUL_BYTES = 1000;
/** Blank-line runs sent to DuckDB per statement, so that memory stays bounded whatever the file holds. */
const BLANK_RUN_BATCH = 100_000;
/**
 * Consecutive empty lines a CSV may hold. DuckDB's reader (1.5) takes a run of empty lines for one long line: past
 * max_line_size (10 MB) it fails ("CSV Error on Line"), and a longer run can drop the record after it without an
 * error. Runs of up to 1,000,000 (2 MB as CRLF) were read right in 150 MB files; no export has more than a few.
 */
const MAX_EMPTY_RUN = 1_000_000;

/**
 * SHA-256 of the file's bytes (the identity of a file for "already loaded") on a worker thread, so that this thread
 * checks the text (`precheckText`) meanwhile: the two passes over the file overlap on two cores instead of following
 * each other. A FIFO, device or socket is refused without waiting for a writer.
 */
export function sha256OnWorker(file: ExportFile): Promise<string> {
  return fileSha256OnWorker(file.absolutePath).catch((error: unknown) => {
    throw notRegular(file, error);
  });
}

/** The text check of a CSV export, started early (beside sha256OnWorker); settled, so csvSource reports its error. */
export type Precheck = { check: TextCheck } | { error: unknown };

export function precheckText(file: ExportFile): Promise<Precheck> | null {
  if (file.format !== 'csv' && file.format !== 'csv.gz') return null;
  return checkText(file).then(
    (check) => ({ check }),
    (error: unknown) => ({ error }),
  );
}

/** Opens the file for reading, refusing what is not a regular file without waiting for a FIFO's writer. */
function openRegular(file: ExportFile): number {
  try {
    return openRegularFile(file.absolutePath);
  } catch (error) {
    throw notRegular(file, error);
  }
}

/** Had a FIFO, device or socket replaced the file since it was looked at: refused, never waited for. */
function notRegular(file: ExportFile, error: unknown): unknown {
  return error instanceof NotRegularFile ? new FileRejected(file.displayPath, 'not a regular file (a FIFO, device or socket): refused') : error;
}

/**
 * Reads one export into a raw relation. `scratchRoot` is the load's private folder beside the warehouse
 * (`<db>.scratch/`): copies of the file (transcoded, bridged) go there, removed by `cleanup`, and the next load
 * clears whatever a killed one left.
 */
export async function openRawSource(
  warehouse: Warehouse,
  file: ExportFile,
  scratchRoot: string,
  phases: Phases = NO_PHASES,
  precheck: Promise<Precheck> | null = null,
): Promise<RawSource> {
  const format = file.format as ExportFormat;
  const scratch = mkdtempSync(join(scratchRoot, 'file-'));
  const cleanup = () => rmSync(scratch, { recursive: true, force: true });
  try {
    switch (format) {
      case 'csv':
      case 'csv.gz':
        return await csvSource(warehouse, file, scratch, cleanup, phases, precheck);
      case 'parquet':
        return await parquetSource(warehouse, file, file.absolutePath, 'parquet', cleanup);
      case 'arrow':
        return await parquetSource(warehouse, file, await arrowToParquet(file, scratch), arrowLabel(file), cleanup);
      case 'jsonl':
        return await jsonLinesSource(warehouse, file, cleanup);
    }
  } catch (error) {
    cleanup();
    throw error;
  }
}

// ---- CSV ------------------------------------------------------------------------------------------------------

export interface TextCheck {
  encoding: 'utf-8' | 'utf-8-bom' | 'gb18030';
  firstLine: string;
  /** Whether an empty line occurs: DuckDB skips those, so record numbers and line numbers part ways. */
  hasBlankLine: boolean;
  /** Whether a CR occurs: the file may mix CRLF and LF line ends, which DuckDB's strict reader refuses. */
  hasCarriageReturn: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

/**
 * One streaming pass in bounded memory: is the text valid UTF-8? If not, is it valid GB18030? Also the header line
 * (whole, up to MAX_HEADER_BYTES), and what no export holds: more than MAX_NUL_BYTES NUL bytes or one in the header,
 * a .csv.gz that expands past GZIP_MAX_RATIO.
 */
async function checkText(file: ExportFile): Promise<TextCheck> {
  const reject = (reason: string) => new FileRejected(file.displayPath, reason);
  const compressedSize = statSync(file.absolutePath).size;
  const utf8 = new Utf8Validator();
  const header: Buffer[] = [];
  let headerLength = 0;
  let headerDone = false;
  let valid = true;
  let sawBom: boolean | null = null;
  let hasBlankLine = false;
  let hasCarriageReturn = false;
  let tail: Buffer = Buffer.alloc(0);
  let total = 0;
  let nulBytes = 0;
  for await (const chunk of byteStream(file)) {
    const bytes = chunk as Buffer;
    total += bytes.length;
    if (file.format === 'csv.gz' && total > GZIP_FLOOR && total > GZIP_MAX_RATIO * compressedSize) {
      throw reject(
        `not an export: it expands to more than ${GZIP_MAX_RATIO} times its compressed size (${compressedSize} bytes; CSV exports expand 3 to 20 times)`,
      );
    }
    if (sawBom === null) sawBom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    if (!headerDone) {
      const end = bytes.indexOf(LF);
      const part = end === -1 ? bytes : bytes.subarray(0, end);
      header.push(Buffer.from(part.subarray(0, MAX_HEADER_BYTES + 1 - headerLength)));
      headerLength += part.length;
      headerDone = end !== -1;
      if (headerLength > MAX_HEADER_BYTES) {
        throw reject(`the header line is longer than ${MAX_HEADER_BYTES / (1 << 20)} MiB (${MAX_HEADER_BYTES} bytes): not an export header`);
      }
    }
    for (let i = bytes.indexOf(NUL); i !== -1; i = bytes.indexOf(NUL, i + 1)) {
      if (++nulBytes > MAX_NUL_BYTES) throw reject(`not a text export: it holds more than ${MAX_NUL_BYTES} NUL bytes (binary, or UTF-16)`);
    }
    if (valid) valid = utf8.accepts(bytes);
    if (!hasCarriageReturn) hasCarriageReturn = bytes.indexOf(CR) !== -1;
    // 0x0A is never part of a multi-byte character in UTF-8 or GB18030, so the bytes tell blank lines apart.
    if (!hasBlankLine) {
      const joined = Buffer.concat([tail, bytes.subarray(0, 2)]);
      hasBlankLine = containsBlankLine(joined) || containsBlankLine(bytes);
      tail = bytes.subarray(Math.max(0, bytes.length - 2));
    }
  }
  if (valid) valid = utf8.endsCleanly();
  const headerBytes = Buffer.concat(header);
  if (headerBytes.includes(NUL)) throw reject('not a text export: its header line holds NUL bytes (binary, or UTF-16)');
  const headerText = (valid ? headerBytes.toString('utf8').replace(/^\uFEFF/, '') : iconv.decode(headerBytes, 'gb18030')).replace(/\r$/, '');
  // Not UTF-8: GB18030, which the copy for DuckDB verifies while it converts.
  return { encoding: valid ? (sawBom ? 'utf-8-bom' : 'utf-8') : 'gb18030', firstLine: headerText, hasBlankLine, hasCarriageReturn };
}

/**
 * Streaming UTF-8 validation with Node's native isUtf8 (ten times faster than a fatal TextDecoder): each chunk is
 * checked up to its last complete character, and the bytes of a character cut by the chunk boundary carry over.
 */
export class Utf8Validator {
  private carry: Buffer = Buffer.alloc(0);

  accepts(chunk: Buffer): boolean {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = completeLength(data);
    this.carry = Buffer.from(data.subarray(cut));
    return isUtf8(data.subarray(0, cut));
  }

  /** False when the text ends inside a multi-byte character. */
  endsCleanly(): boolean {
    return this.carry.length === 0;
  }
}

/** The length of the prefix of `data` that ends on a character boundary (at most 3 bytes are held back). */
function completeLength(data: Buffer): number {
  let start = data.length - 1;
  while (start >= 0 && data.length - start <= 3 && (data[start] & 0xc0) === 0x80) start--;
  if (start < 0 || data[start] < 0xc0) return data.length;
  const needed = data[start] >= 0xf0 ? 4 : data[start] >= 0xe0 ? 3 : 2;
  return data.length - start < needed ? start : data.length;
}

function containsBlankLine(bytes: Buffer): boolean {
  return bytes.indexOf('\n\n') !== -1 || bytes.indexOf('\n\r\n') !== -1;
}

interface LineScan {
  /** Line ends of each kind: both present means mixed line ends. */
  crlf: number;
  bareLf: number;
  /** Whether the temp table `_blank_lines` holds rows (an empty line comes after the header). */
  blankLines: boolean;
}

/**
 * A second pass, for files with empty lines or carriage returns only: the kinds of line end, and the empty lines as
 * the temp table `_blank_lines` (threshold, blanks). For the j-th empty line at physical line b_j, the records after
 * it have an ordinal of at least b_j - j, its threshold; a record's line is its ordinal + 1 + the blanks (empty lines
 * so far) of the greatest threshold at or below the ordinal, an ASOF join. Consecutive empty lines share a threshold,
 * so a run of them is one row however long; rows go to DuckDB in batches: memory stays bounded whatever the file.
 */
async function scanLines(warehouse: Warehouse, file: ExportFile): Promise<LineScan> {
  const tooMany = (from: number) =>
    new FileRejected(file.displayPath, `not an export: more than ${MAX_EMPTY_RUN} consecutive empty lines (from line ${from})`);
  await warehouse.run('CREATE OR REPLACE TEMP TABLE _blank_lines (threshold BIGINT, blanks BIGINT)');
  let thresholds: number[] = [];
  let cumulative: number[] = [];
  let stored = 0;
  const send = async (rows: number) => {
    if (rows <= 0) return;
    // As text: binding a list of 100,000 numbers value by value takes a second, splitting a string in SQL a few ms.
    const t = thresholds.slice(0, rows).join(',');
    const b = cumulative.slice(0, rows).join(',');
    await warehouse.run(
      `INSERT INTO _blank_lines SELECT CAST(unnest(string_split($t, ',')) AS BIGINT), CAST(unnest(string_split($b, ',')) AS BIGINT)`,
      { t, b },
    );
    thresholds = thresholds.slice(rows);
    cumulative = cumulative.slice(rows);
    stored += rows;
  };
  let line = 1; // the line of the next byte
  let blanks = 0; // empty lines (after the header) so far
  const blank = (threshold: number) => {
    const n = thresholds.length;
    if (n > 0 && thresholds[n - 1] === threshold) cumulative[n - 1] = blanks;
    else thresholds.push(threshold), cumulative.push(blanks);
  };
  let lineLength = 0; // bytes of the current line before the current chunk's part, a CR included
  let lastByte = -1; // the last byte of the previous chunk
  let crlf = 0;
  let bareLf = 0;
  let emptyRun = 0; // consecutive empty lines up to here
  for await (const chunk of byteStream(file)) {
    const bytes = chunk as Buffer;
    let start = 0;
    for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, start)) {
      const before = i > 0 ? bytes[i - 1] : lastByte;
      lineLength += i - start;
      if (before === CR) crlf++;
      else bareLf++;
      // The last line has no LF after it, so a trailing empty line is never counted (it holds no record).
      if (line > 1 && (lineLength === 0 || (lineLength === 1 && before === CR))) {
        blanks++;
        blank(line - blanks);
        emptyRun++;
      } else emptyRun = 0;
      line++;
      lineLength = 0;
      start = i + 1;
      // Empty lines right after (a file of newlines): counted here in one loop, not a call and a row each.
      let j = start;
      let run = 0;
      for (;;) {
        if (bytes[j] === LF) (bareLf++, (j += 1));
        else if (bytes[j] === CR && bytes[j + 1] === LF) (crlf++, (j += 2));
        else break;
        run++;
      }
      if (run > 0) {
        blanks += run;
        blank(line - (blanks - run) - 1);
        line += run;
        start = j;
        emptyRun += run;
      }
      if (emptyRun > MAX_EMPTY_RUN) throw tooMany(line - emptyRun);
      // The last row may still grow (a run of empty lines going on): it stays for the next batch.
      if (thresholds.length > BLANK_RUN_BATCH) await send(thresholds.length - 1);
    }
    lineLength += bytes.length - start;
    if (bytes.length > 0) lastByte = bytes[bytes.length - 1];
  }
  await send(thresholds.length);
  return { crlf, bareLf, blankLines: stored > 0 };
}

/**
 * The private UTF-8 copy DuckDB reads when the file itself will not do: GB18030 transcoded (verified on the way:
 * a sequence iconv-lite would decode as U+FFFD means the file is not GB18030; gb18030.ts), and/or mixed line ends
 * made LF (CRLF -> LF: the number of lines stays). Returns false for bad GB18030, as soon as it is seen.
 */
async function writeCopy(file: ExportFile, target: string, options: { transcode: boolean; unifyLineEnds: boolean }): Promise<boolean> {
  const decoder = options.transcode ? new Gb18030ToUtf8() : null;
  const lineEnds = options.unifyLineEnds ? new CrlfToLf() : null;
  const out = createWriteStream(target, { mode: 0o600 });
  const finished = new Promise<void>((done, fail) => {
    out.on('finish', done);
    out.on('error', fail);
  });
  const write = async (bytes: Buffer) => {
    const data = lineEnds ? lineEnds.push(bytes) : bytes;
    if (!out.write(data)) await new Promise<void>((drained) => out.once('drain', () => drained()));
  };
  try {
    for await (const chunk of byteStream(file)) {
      await write(decoder ? decoder.push(chunk as Buffer) : (chunk as Buffer));
      if (decoder?.undecodable) return false;
    }
    if (decoder) await write(decoder.end());
    if (lineEnds) await write(lineEnds.end());
  } finally {
    out.end();
    await finished;
  }
  return !decoder?.undecodable;
}

/** Streaming CRLF -> LF: a CR at the end of a chunk waits to see whether an LF follows. */
class CrlfToLf {
  private heldCr = false;

  push(bytes: Buffer): Buffer {
    if (bytes.length === 0) return bytes;
    const parts: Buffer[] = [];
    if (this.heldCr && bytes[0] !== LF) parts.push(CR_BYTE);
    this.heldCr = bytes[bytes.length - 1] === CR;
    const end = this.heldCr ? bytes.length - 1 : bytes.length;
    let start = 0;
    for (let i = bytes.indexOf(CRLF); i !== -1 && i < end; i = bytes.indexOf(CRLF, start)) {
      parts.push(bytes.subarray(start, i));
      start = i + 1;
    }
    parts.push(bytes.subarray(start, end));
    return Buffer.concat(parts);
  }

  end(): Buffer {
    return this.heldCr ? CR_BYTE : Buffer.alloc(0);
  }
}

const CRLF = Buffer.from('\r\n');
const CR_BYTE = Buffer.from('\r');

function byteStream(file: ExportFile): NodeJS.ReadableStream {
  const raw = createReadStream('', { fd: openRegular(file), highWaterMark: 1 << 20 });
  if (file.format !== 'csv.gz') return raw;
  // pipeline: when the reader stops early (a rejection), the file is closed too.
  return streamPipeline(raw, createGunzip({ chunkSize: 1 << 20 }), () => undefined);
}

async function csvSource(
  warehouse: Warehouse,
  file: ExportFile,
  scratch: string,
  cleanup: () => void,
  phases: Phases,
  precheck: Promise<Precheck> | null,
): Promise<RawSource> {
  let check: TextCheck;
  let lines: LineScan = { crlf: 0, bareLf: 0, blankLines: false };
  const unreadable = (error: unknown) =>
    error instanceof FileRejected ? error : new FileRejected(file.displayPath, `cannot be read: ${(error as Error).message}`);
  try {
    const early = precheck ? await precheck : null;
    if (early && 'error' in early) throw early.error;
    check = early ? early.check : await checkText(file);
    phases.mark('check');
    if (check.hasBlankLine || check.hasCarriageReturn) lines = await scanLines(warehouse, file);
    phases.mark('line scan');
  } catch (error) {
    throw unreadable(error);
  }
  if (check.firstLine.trim() === '') throw new FileRejected(file.displayPath, 'the file is empty or has no header line');
  // DuckDB's strict reader refuses a file that mixes CRLF and LF (a CRLF file whose last line ends in LF): such a
  // file is read from a copy with LF line ends.
  const mixedLineEnds = lines.crlf > 0 && lines.bareLf > 0;
  let path = file.absolutePath;
  if (check.encoding === 'gb18030' || mixedLineEnds) {
    path = join(scratch, 'copy.csv');
    let decodable: boolean;
    try {
      decodable = await writeCopy(file, path, { transcode: check.encoding === 'gb18030', unifyLineEnds: mixedLineEnds });
    } catch (error) {
      throw unreadable(error);
    }
    if (!decodable) throw new FileRejected(file.displayPath, 'the text is neither UTF-8 nor GB18030 (a byte sequence is invalid in both)');
    phases.mark('transcode');
  }
  // The delimiter is the one the header uses: exports are comma or tab separated.
  const delimiter = count(check.firstLine, '\t') > count(check.firstLine, ',') ? '\t' : ',';
  const headerNames = splitHeader(check.firstLine, delimiter);
  if (headerNames.length > MAX_COLUMNS) {
    throw new FileRejected(file.displayPath, `the header has ${headerNames.length} columns; an export has at most ${MAX_COLUMNS} (12 known, the rest ignored)`);
  }
  // No sniffing: the dialect is fixed, every column is text, and a row with the wrong number of fields rejects the file.
  const columns = headerNames.map((_, i) => `${quoteLiteral(columnAlias(i))}: 'VARCHAR'`).join(', ');
  const csv = `read_csv($path, header = false, skip = 1, auto_detect = false, columns = {${columns}}, delim = $delimiter,
                        quote = '"', escape = '"', strict_mode = true, null_padding = false, max_line_size = 10000000,
                        nullstr = ['', 'NULL', 'null', '\\N'], allow_quoted_nulls = true)`;
  return buildSource(file, {
    reader: csv,
    // The reader itself gives NULL for the four spellings of "no value" (quoted or not), as blank_to_null would.
    nullsRead: true,
    params: { path, delimiter },
    // Parsed in file order (a plain read_csv keeps it): the n-th record (rowid n - 1) is on line n + 1, plus the
    // empty lines before it.
    linesFromRowid: lines.blankLines
      ? { lineSql: '_r.rowid + 2 + coalesce(_b.blanks, 0)', from: '_rows AS _r ASOF LEFT JOIN _blank_lines AS _b ON _r.rowid + 1 >= _b.threshold' }
      : { lineSql: '_r.rowid + 2', from: '_rows AS _r' },
    sourceNames: headerNames,
    sourceRef: (i) => quoteIdent(columnAlias(i)),
    lineSql: '',
    positionWord: 'line',
    encoding: check.encoding,
    formatLabel: file.format === 'csv.gz' ? 'csv.gz' : 'csv',
    cleanup,
  });
}

/** Splits the header line on the delimiter, honouring double quotes. */
function splitHeader(line: string, delimiter: string): string[] {
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (current += '"'), i++;
      else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) names.push(current), (current = '');
    else current += ch;
  }
  names.push(current);
  return names;
}

function columnAlias(index: number): string {
  return `c${index}`;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

// ---- Parquet and Arrow ----------------------------------------------------------------------------------------

function arrowLabel(file: ExportFile): string {
  return file.absolutePath.toLowerCase().endsWith('.arrows') ? 'arrow-stream' : 'arrow-file';
}

/** Arrow IPC (file or stream; apache-arrow tells them apart) -> Parquet via parquet-wasm's public API. */
async function arrowToParquet(file: ExportFile, scratch: string): Promise<string> {
  // Loaded for Arrow files only: a load of CSV or Parquet never needs them.
  const [{ tableFromIPC, tableToIPC }, parquet] = await Promise.all([import('apache-arrow'), import('parquet-wasm/node')]);
  let stream: Uint8Array;
  try {
    const table = tableFromIPC(readFileSync(file.absolutePath));
    stream = tableToIPC(table, 'stream');
  } catch (error) {
    throw new FileRejected(file.displayPath, `not a readable Arrow IPC file or stream: ${(error as Error).message}`);
  }
  const out = join(scratch, 'bridged.parquet');
  const wasmTable = parquet.Table.fromIPCStream(stream);
  writeFileSync(out, parquet.writeParquet(wasmTable), { mode: 0o600 });
  return out;
}

async function parquetSource(
  warehouse: Warehouse,
  file: ExportFile,
  path: string,
  formatLabel: string,
  cleanup: () => void,
): Promise<RawSource> {
  let described: { column_name: string; column_type: string }[];
  try {
    described = await warehouse.all(`DESCRIBE SELECT * FROM read_parquet($path)`, { path });
  } catch (error) {
    throw new FileRejected(file.displayPath, `not a readable Parquet file: ${duckdbMessage(error, { firstLine: true, withoutKind: true })}`);
  }
  const types = described.map((d) => d.column_type);
  // A list, array, struct, map or union column holds no single values: each of its values is quarantined.
  const nested = (type: string) => /\[\d*\]$|^(STRUCT|MAP|UNION)\(/.test(type);
  return buildSource(file, {
    reader: `read_parquet($path, file_row_number = true)`,
    params: { path },
    sourceNames: described.map((d) => d.column_name),
    sourceRef: (i, column) => typedToText(quoteIdent(described[i].column_name), types[i], column),
    nestedRef: (i) => (nested(types[i]) ? `${quoteIdent(described[i].column_name)} IS NOT NULL` : null),
    lineSql: 'file_row_number + 1',
    positionWord: 'row',
    encoding: null,
    formatLabel,
    cleanup,
  });
}

/** Typed columns become text the parser reads; a timestamp given for a date becomes its China date. */
function typedToText(ref: string, type: string, column: ExportColumn | undefined): string {
  const isTimestamp = type.startsWith('TIMESTAMP');
  if (column && isTimestamp && (column.kind === 'date' || column.kind === 'partial_date' || column.kind === 'birth_date')) {
    return `CAST(CAST(${ref} AS DATE) AS VARCHAR)`;
  }
  if (type === 'BLOB') return `decode(${ref})`;
  return `CAST(${ref} AS VARCHAR)`;
}

// ---- JSON lines -----------------------------------------------------------------------------------------------

async function jsonLinesSource(warehouse: Warehouse, file: ExportFile, cleanup: () => void): Promise<RawSource> {
  const path = file.absolutePath;
  let keys: string[];
  try {
    const rows = await warehouse.all<{ key: string }>(
      `SELECT DISTINCT unnest(json_keys(json)) AS key FROM read_json_objects($path, format = 'newline_delimited')`,
      { path },
    );
    keys = rows.map((r) => r.key).sort();
  } catch (error) {
    throw new FileRejected(file.displayPath, `not valid JSON lines: ${duckdbMessage(error, { firstLine: true, withoutKind: true })}`);
  }
  const params: SqlParams = { path };
  keys.forEach((key, i) => (params[`key${i}`] = `$.${JSON.stringify(key)}`));
  return buildSource(file, {
    reader: `read_json_objects($path, format = 'newline_delimited') WITH ORDINALITY`,
    params,
    sourceNames: keys,
    sourceRef: (i) => `json_extract_string(json, $key${i})`,
    // json_extract_string gives an object or array as its JSON text: told apart here, quarantined in parsing.
    nestedRef: (i) => `json_type(json, $key${i}) IN ('OBJECT', 'ARRAY')`,
    lineSql: 'ordinality',
    positionWord: 'row',
    encoding: 'utf-8',
    formatLabel: 'jsonl',
    cleanup,
  });
}

// ---- shared ---------------------------------------------------------------------------------------------------

interface SourceParts {
  reader: string;
  params: SqlParams;
  /** The reader gives NULL for '', 'NULL', 'null' and '\N' itself: only padded values are left to blank_to_null. */
  nullsRead?: boolean;
  /** The line is not read but told by the parsed row's place (RawSource.linesFromRowid); lineSql is unused. */
  linesFromRowid?: { lineSql: string; from: string };
  sourceNames: string[];
  /** SQL for the i-th source column as text. */
  sourceRef: (index: number, column: ExportColumn | undefined) => string;
  /** SQL that is true where the i-th source column holds an object, array or list; null when it cannot. */
  nestedRef?: (index: number) => string | null;
  lineSql: string;
  positionWord: 'line' | 'row';
  encoding: string | null;
  formatLabel: string;
  cleanup: () => void;
}

/** Matches source names to export columns (any letter case, or the Chinese alias) and builds the raw relation. */
function buildSource(file: ExportFile, parts: SourceParts): RawSource {
  const table = EXPORT_TABLES[file.table!];
  const byName = new Map<string, ExportColumn>();
  for (const column of table.columns) {
    byName.set(column.name.toLowerCase(), column);
    byName.set(column.alias, column);
  }
  const headers = new Map<string, string>();
  const selected: string[] = [];
  const unknownColumns: string[] = [];
  const nested = new Set<string>();
  parts.sourceNames.forEach((sourceName, index) => {
    const column = byName.get(sourceName.trim().toLowerCase()) ?? byName.get(sourceName.trim());
    if (!column) {
      unknownColumns.push(sourceName);
      return;
    }
    if (headers.has(column.name)) {
      throw new FileRejected(file.displayPath, `column ${column.name} is given twice (${headers.get(column.name)} and ${sourceName})`);
    }
    headers.set(column.name, sourceName);
    // A name is never read at all: personal data stays in the export file.
    if (column.kind === 'person_name') return;
    selected.push(`${parts.nullsRead ? 'padded_to_null' : 'blank_to_null'}(${parts.sourceRef(index, column)}) AS ${quoteIdent(column.name)}`);
    const nestedSql = parts.nestedRef?.(index);
    if (nestedSql && column.kind !== 'identity_number') {
      selected.push(`${nestedSql} AS ${quoteIdent(`_nested_${column.name}`)}`);
      nested.add(column.name);
    }
  });
  const missing = table.columns.filter((c) => c.required && !headers.has(c.name));
  if (missing.length > 0) {
    const list = missing.map((c) => `${c.name} (${c.alias})`).join(', ');
    throw new FileRejected(file.displayPath, `required column${missing.length > 1 ? 's' : ''} ${list} missing from the header`);
  }
  // Optional columns the file lacks are NULL, so the parsing SQL can name every column.
  for (const column of table.columns) {
    if (!headers.has(column.name) && column.kind !== 'person_name') selected.push(`CAST(NULL AS VARCHAR) AS ${quoteIdent(column.name)}`);
  }
  return {
    ...(parts.linesFromRowid
      ? { sql: `SELECT ${selected.join(', ')} FROM ${parts.reader}`, linesFromRowid: parts.linesFromRowid }
      : { sql: `SELECT ${parts.lineSql} AS _line, ${selected.join(', ')} FROM ${parts.reader}` }),
    params: parts.params,
    headers,
    positionWord: parts.positionWord,
    encoding: parts.encoding,
    formatLabel: parts.formatLabel,
    unknownColumns,
    nested,
    cleanup: parts.cleanup,
  };
}
