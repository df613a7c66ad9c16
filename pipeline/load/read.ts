// Reading stage: turns one export file of any accepted format into a SQL relation of raw text values, one column
// per export column under its spec name, plus `_line` (CSV line, or 1-based row number). Parsing and checks happen
// later, in SQL over whole columns. What cannot be read at all is a FileRejected.
//
// Encodings and Arrow are bridged outside DuckDB, since its built-in readers take neither: GB18030 is transcoded to
// a temporary UTF-8 file with iconv-lite, Arrow IPC (file or stream) is rewritten as Parquet with parquet-wasm.
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import iconv from 'iconv-lite';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import { FileRejected } from '../errors.ts';
import { EXPORT_TABLES, type ExportColumn } from '../warehouse/tables.ts';
import { listValue, quoteIdent, quoteLiteral, type SqlParams, type Warehouse } from '../warehouse/warehouse.ts';
import type { ExportFile, ExportFormat } from './files.ts';

export interface RawSource {
  /** A SELECT of `_line` and one VARCHAR column per export column found, blank values as NULL. */
  sql: string;
  params: SqlParams;
  /** Spec column name -> the header as written in the file (`missing_on` -> `失踪日期`). */
  headers: Map<string, string>;
  /** How a position is named in messages: CSV lines, rows elsewhere. */
  positionWord: 'line' | 'row';
  encoding: string | null;
  formatLabel: string;
  unknownColumns: string[];
  cleanup: () => void;
}

/** SHA-256 of the file's bytes: the identity of a file for "already loaded". */
export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export async function openRawSource(warehouse: Warehouse, file: ExportFile): Promise<RawSource> {
  const format = file.format as ExportFormat;
  const scratch = mkdtempSync(join(tmpdir(), 'bulletin-load-'));
  const cleanup = () => rmSync(scratch, { recursive: true, force: true });
  try {
    switch (format) {
      case 'csv':
      case 'csv.gz':
        return await csvSource(file, scratch, cleanup);
      case 'parquet':
        return await parquetSource(warehouse, file, file.absolutePath, 'parquet', cleanup);
      case 'arrow':
        return await parquetSource(warehouse, file, arrowToParquet(file, scratch), arrowLabel(file), cleanup);
      case 'jsonl':
        return await jsonLinesSource(warehouse, file, cleanup);
    }
  } catch (error) {
    cleanup();
    throw error;
  }
}

// ---- CSV ------------------------------------------------------------------------------------------------------

interface TextCheck {
  encoding: 'utf-8' | 'utf-8-bom' | 'gb18030';
  firstLine: string;
  /** Whether an empty line occurs: DuckDB skips those, so record numbers and line numbers part ways. */
  hasBlankLine: boolean;
}

/** One streaming pass: is the text valid UTF-8? If not, is it valid GB18030? Also returns the header line. */
async function checkEncoding(file: ExportFile): Promise<TextCheck> {
  const utf8 = new Utf8Validator();
  let head = Buffer.alloc(0);
  let valid = true;
  let sawBom: boolean | null = null;
  let hasBlankLine = false;
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of byteStream(file)) {
    const bytes = chunk as Buffer;
    if (sawBom === null) sawBom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    if (head.length < 65536) head = Buffer.concat([head, bytes.subarray(0, 65536 - head.length)]);
    if (valid) valid = utf8.accepts(bytes);
    // 0x0A is never part of a multi-byte character in UTF-8 or GB18030, so the bytes tell blank lines apart.
    if (!hasBlankLine) {
      const joined = Buffer.concat([tail, bytes.subarray(0, 2)]);
      hasBlankLine = containsBlankLine(joined) || containsBlankLine(bytes);
      tail = bytes.subarray(Math.max(0, bytes.length - 2));
    }
  }
  if (valid) valid = utf8.endsCleanly();
  if (valid) {
    return { encoding: sawBom ? 'utf-8-bom' : 'utf-8', firstLine: firstLineOf(head.toString('utf8').replace(/^\uFEFF/, '')), hasBlankLine };
  }
  // Not UTF-8: GB18030, which transcodeGb18030 verifies while it converts.
  return { encoding: 'gb18030', firstLine: firstLineOf(iconv.decode(head, 'gb18030')), hasBlankLine };
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

const LF = 0x0a;
const CR = 0x0d;

function containsBlankLine(bytes: Buffer): boolean {
  return bytes.indexOf('\n\n') !== -1 || bytes.indexOf('\n\r\n') !== -1;
}

/**
 * For files with empty lines: for each empty line j (1-based) at physical line b_j, the records after it have an
 * ordinal of at least b_j - j. A record's line is then ordinal + 1 + the number of thresholds at or below its ordinal.
 */
async function blankLineThresholds(file: ExportFile): Promise<number[]> {
  const thresholds: number[] = [];
  let line = 1;
  let lineIsEmpty = true;
  for await (const chunk of byteStream(file)) {
    const bytes = chunk as Buffer;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (byte === LF) {
        // The last line of the file has no LF after it, so a trailing empty line is never counted (it holds no record).
        if (lineIsEmpty && line > 1) thresholds.push(line - (thresholds.length + 1));
        line++;
        lineIsEmpty = true;
      } else if (byte !== CR) {
        lineIsEmpty = false;
      }
    }
  }
  return thresholds;
}

/**
 * GB18030 -> a private UTF-8 file for DuckDB, in one pass that also verifies the encoding: iconv-lite marks bytes it
 * cannot decode with U+FFFD instead of throwing, so any U+FFFD in the output means the file is not GB18030.
 */
async function transcodeGb18030(file: ExportFile, target: string): Promise<boolean> {
  const decoder = iconv.getDecoder('gb18030');
  const out = createWriteStream(target, { mode: 0o600 });
  const finished = new Promise<void>((done, fail) => {
    out.on('finish', done);
    out.on('error', fail);
  });
  let undecodable = 0;
  const write = async (text: string) => {
    undecodable += countChar(text, '\uFFFD');
    if (!out.write(Buffer.from(text, 'utf8'))) await new Promise<void>((drained) => out.once('drain', () => drained()));
  };
  for await (const chunk of byteStream(file)) await write(decoder.write(chunk as Buffer));
  await write(decoder.end() ?? '');
  out.end();
  await finished;
  return undecodable === 0;
}


function countChar(text: string, char: string): number {
  let count = 0;
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) count++;
  return count;
}

function byteStream(file: ExportFile): NodeJS.ReadableStream {
  const raw = createReadStream(file.absolutePath, { highWaterMark: 1 << 20 });
  if (file.format !== 'csv.gz') return raw;
  const gunzip = createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

function firstLineOf(text: string): string {
  const end = text.search(/\r?\n/);
  return end === -1 ? text : text.slice(0, end);
}

async function csvSource(file: ExportFile, scratch: string, cleanup: () => void): Promise<RawSource> {
  let check: TextCheck;
  try {
    check = await checkEncoding(file);
  } catch (error) {
    if (error instanceof FileRejected) throw error;
    throw new FileRejected(file.displayPath, `cannot be read: ${(error as Error).message}`);
  }
  let path = file.absolutePath;
  if (check.encoding === 'gb18030') {
    // DuckDB reads UTF-8 only without extensions: transcode to a private temporary file, deleted after the load.
    path = join(scratch, 'transcoded.csv');
    if (!(await transcodeGb18030(file, path))) {
      throw new FileRejected(file.displayPath, 'the text is neither UTF-8 nor GB18030 (a byte sequence is invalid in both)');
    }
  }
  if (check.firstLine.trim() === '') throw new FileRejected(file.displayPath, 'the file is empty or has no header line');
  // The delimiter is the one the header uses: exports are comma or tab separated.
  const delimiter = count(check.firstLine, '\t') > count(check.firstLine, ',') ? '\t' : ',';
  const headerNames = splitHeader(check.firstLine, delimiter);
  // No sniffing: the dialect is fixed, every column is text, and a row with the wrong number of fields rejects the file.
  const columns = headerNames.map((_, i) => `${quoteLiteral(columnAlias(i))}: 'VARCHAR'`).join(', ');
  const reader = `read_csv($path, header = false, skip = 1, auto_detect = false, columns = {${columns}}, delim = $delimiter,
                           quote = '"', escape = '"', strict_mode = true, null_padding = false, max_line_size = 10000000)
                  WITH ORDINALITY`;
  const thresholds = check.hasBlankLine ? await blankLineThresholds(file) : [];
  return buildSource(file, {
    reader,
    params: thresholds.length > 0 ? { path, delimiter, blank_line_thresholds: listValue(thresholds.map((t) => BigInt(t))) } : { path, delimiter },
    sourceNames: headerNames,
    sourceRef: (i) => quoteIdent(columnAlias(i)),
    // WITH ORDINALITY numbers rows in file order without the single-threaded window row_number() OVER () needs.
    lineSql:
      thresholds.length > 0
        ? 'ordinality + 1 + len(list_filter($blank_line_thresholds, t -> t <= ordinality))'
        : 'ordinality + 1',
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
function arrowToParquet(file: ExportFile, scratch: string): string {
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
    throw new FileRejected(file.displayPath, `not a readable Parquet file: ${duckdbReason(error)}`);
  }
  const types = described.map((d) => d.column_type);
  return buildSource(file, {
    reader: `read_parquet($path, file_row_number = true)`,
    params: { path },
    sourceNames: described.map((d) => d.column_name),
    sourceRef: (i, column) => typedToText(quoteIdent(described[i].column_name), types[i], column),
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
    throw new FileRejected(file.displayPath, `not valid JSON lines: ${duckdbReason(error)}`);
  }
  const params: SqlParams = { path };
  keys.forEach((key, i) => (params[`key${i}`] = `$.${JSON.stringify(key)}`));
  return buildSource(file, {
    reader: `read_json_objects($path, format = 'newline_delimited') WITH ORDINALITY`,
    params,
    sourceNames: keys,
    sourceRef: (i) => `json_extract_string(json, $key${i})`,
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
  sourceNames: string[];
  /** SQL for the i-th source column as text. */
  sourceRef: (index: number, column: ExportColumn | undefined) => string;
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
    selected.push(`blank_to_null(${parts.sourceRef(index, column)}) AS ${quoteIdent(column.name)}`);
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
    sql: `SELECT ${parts.lineSql} AS _line, ${selected.join(', ')} FROM ${parts.reader}`,
    params: parts.params,
    headers,
    positionWord: parts.positionWord,
    encoding: parts.encoding,
    formatLabel: parts.formatLabel,
    unknownColumns,
    cleanup: parts.cleanup,
  };
}

/** DuckDB's error text, first line, without its "Invalid Input Error:" style prefix. */
export function duckdbReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].replace(/^[A-Za-z ]+Error: /, '').trim();
}
