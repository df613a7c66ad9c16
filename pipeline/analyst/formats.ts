// The output formats of the analyst commands: one QueryResult (analyst/result.ts) turned into the bytes of a table
// for a terminal, CSV, JSON, an Arrow IPC file or Parquet, and written to a file atomically.
//
// Arrow and Parquet keep the column types, so pandas, polars, R or DuckDB read dates as dates and counts as integers:
//
//   DuckDB                                    Arrow (Parquet is written from the same Arrow table)
//   BOOLEAN                                   Bool
//   TINYINT SMALLINT INTEGER BIGINT           Int8 Int16 Int32 Int64
//   UTINYINT USMALLINT UINTEGER UBIGINT       Uint8 Uint16 Uint32 Uint64
//   HUGEINT UHUGEINT                          Decimal128(38,0), as DuckDB's own Arrow export: sum() of a BIGINT is a
//                                             HUGEINT and stays a number; a 39-digit value makes the column Utf8
//   FLOAT DOUBLE                              Float32 Float64
//   DECIMAL(p,s)                              Decimal128(p,s): exact; Parquet readers get DECIMAL(p,s) back
//   DATE                                      Date32 (days)
//   TIME TIME_NS                              Time64 µs, Time64 ns
//   TIMESTAMP TIMESTAMP_MS TIMESTAMP_NS       Timestamp µs, ms, ns, no zone: wall-clock time
//   TIMESTAMP_S                               Timestamp s (ms in Parquet, which has no seconds)
//   TIMESTAMP WITH TIME ZONE                  Timestamp µs 'UTC'
//   BLOB GEOMETRY                             Binary
//   T[] T[n]                                  List<T>, FixedSizeList<T>[n]
//   STRUCT(...) MAP(K,V)                      Struct, Map<K,V>
//   VARCHAR ENUM UUID INTERVAL BIT TIME WITH TIME ZONE, and any other type: Utf8 of the value's text
//
// A column whose values do not fit its declared type (an odd driver value, a 39-digit HUGEINT) becomes Utf8 of its
// text rather than failing or losing digits. Duplicate column names get _2, _3… in JSON, Arrow and Parquet, since
// objects, apache-arrow and polars all need names to be unique; the table and CSV keep the names as written.
//
// Text formats (table, CSV) write values as DuckDB prints them (the representation of result.ts), lists, structs
// and maps as JSON, BLOBs with \xHH escapes. JSON numbers: integers are numbers while exact in a double
// (|v| <= 2^53-1), otherwise strings; a DECIMAL is a number when the number's shortest text has the same digits
// (12.500 -> 12.5, 0.1 -> 0.1), otherwise a string (12345678901234567.89): numbers where they are exact, never a
// silently rounded one. JSON dates and timestamps are ISO 8601 ('T', expanded years for BC and after 9999), BLOBs
// base64, NaN and infinities the strings "nan", "inf", "-inf".
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int,
  Int64,
  List,
  Map_,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeMicrosecond,
  TimeNanosecond,
  Timestamp,
  TimeUnit,
  Uint64,
  Utf8,
  makeData,
  tableToIPC,
  type Data,
} from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import { UsageError, oneLine } from '../errors.ts';
import { writeFileAtomically } from '../files.ts';
import { charWidth, displayWidth, padToWidth } from '../text-width.ts';
import type { Format } from './limits.ts';
import type { QueryResult, ResultValue } from './result.ts';

export { FORMATS, formatOfFile, type Format } from './limits.ts';

export interface FormatOptions {
  /** csv: a UTF-8 byte-order mark first, for spreadsheets (Excel) */
  bom?: boolean;
  /** table: at most this many rows shown, then a note "… N more rows (use --format csv/--out, or LIMIT)"; default 100 */
  maxRows?: number;
  /** table: terminal width to fit (truncate long cells with …); default 120 */
  width?: number;
}

/** The bytes of the result in the format (see the header comment for the types each format keeps). */
export function formatResult(result: QueryResult, format: Format, options: FormatOptions = {}): Uint8Array {
  const types = result.columns.map((column) => parseType(column.type));
  switch (format) {
    case 'table':
      return Buffer.from(tableText(result, types, options.maxRows ?? 100, options.width ?? 120), 'utf8');
    case 'csv':
      return csvBytes(result, types, options.bom ?? false);
    case 'json':
      return jsonBytes(result, types);
    case 'arrow':
      return tableToIPC(arrowTable(result, types), 'file');
    case 'parquet':
      // Parquet has no seconds unit, and arrow-rs writes Timestamp(s) as a bare INT64: milliseconds keep the type.
      return parquetBytes(arrowTable(result, types.map(secondsAsMilliseconds)));
  }
}

/** The rows of a result as they come, chunk by chunk (pipeline/warehouse/sandbox.ts ResultSink), then its end. */
export interface ResultWriter {
  columns(columns: QueryResult['columns']): void;
  rows(rows: ResultValue[][]): void;
  /** The rest of the bytes once every row has been seen (the table itself, the closing bracket). */
  end(seconds: number): void;
}

/**
 * A writer of the text formats that holds no more than a chunk: CSV and JSON bytes are handed to `write` chunk by
 * chunk; the table keeps only the rows it shows (maxRows) and counts the others. The bytes are the same as
 * formatResult's for the same rows.
 */
export function streamingWriter(format: 'table' | 'csv' | 'json', options: FormatOptions, write: (bytes: Uint8Array) => void): ResultWriter {
  let columns: QueryResult['columns'] = [];
  let types: ColumnType[] = [];
  let keys: string[] = [];
  let count = 0;
  const shown: ResultValue[][] = [];
  const maxRows = Math.max(0, options.maxRows ?? 100);
  const text = (value: string) => write(Buffer.from(value, 'utf8'));
  return {
    columns(names) {
      columns = names;
      types = names.map((column) => parseType(column.type));
      if (format === 'csv') text((options.bom ? '\ufeff' : '') + csvHeader(columns));
      if (format === 'json') {
        keys = jsonKeys(columns);
        text('[');
      }
    },
    rows(rows) {
      if (format === 'table') for (const row of rows) if (shown.length < maxRows) shown.push(row);
      if (format === 'csv') {
        const out = new ByteSink();
        for (const row of rows) out.add(csvRow(row, types));
        write(out.bytes());
      }
      if (format === 'json') {
        const out = new ByteSink();
        rows.forEach((row, i) => out.add(jsonRow(row, types, keys, count + i === 0)));
        write(out.bytes());
      }
      count += rows.length;
    },
    end(seconds) {
      if (format === 'table') text(tableText({ columns, rows: shown, seconds }, types, maxRows, options.width ?? 120, count));
      if (format === 'json') text(count === 0 ? ']\n' : '\n]\n');
    },
  };
}

/** Writes formatResult to `file` atomically: a temporary name in the same folder, then a rename over the target. */
export function writeResult(result: QueryResult, format: Format, file: string, options: FormatOptions = {}): void {
  const target = resolve(file);
  const folder = dirname(target);
  if (!isFolder(folder)) throw new UsageError(`${file}: cannot write: the folder ${folder} does not exist`);
  // Formatting first, so a result that cannot be formatted leaves nothing behind.
  const bytes = formatResult(result, format, options);
  try {
    writeFileAtomically(target, bytes);
  } catch (error) {
    throw new UsageError(`${file}: cannot write: ${oneLine(error)}`);
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

// ---- column types -----------------------------------------------------------------------------------------------

type TimeUnitName = 's' | 'ms' | 'us' | 'ns';

/** A DuckDB type, reduced to what changes how a value is written. */
type ColumnType =
  | { kind: 'boolean' }
  | { kind: 'int'; bits: 8 | 16 | 32 | 64; signed: boolean }
  | { kind: 'hugeint' }
  | { kind: 'float'; bits: 32 | 64 }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'date' }
  | { kind: 'time'; unit: 'us' | 'ns' }
  | { kind: 'timestamp'; unit: TimeUnitName; utc: boolean }
  | { kind: 'blob' }
  | { kind: 'list'; child: ColumnType; size: number | null }
  | { kind: 'struct'; fields: { name: string; type: ColumnType }[] }
  | { kind: 'map'; key: ColumnType; value: ColumnType }
  | { kind: 'text' };

const TEXT: ColumnType = { kind: 'text' };

const SIMPLE_TYPES: Record<string, ColumnType> = {
  BOOLEAN: { kind: 'boolean' },
  BOOL: { kind: 'boolean' },
  TINYINT: { kind: 'int', bits: 8, signed: true },
  INT1: { kind: 'int', bits: 8, signed: true },
  SMALLINT: { kind: 'int', bits: 16, signed: true },
  INT2: { kind: 'int', bits: 16, signed: true },
  INTEGER: { kind: 'int', bits: 32, signed: true },
  INT: { kind: 'int', bits: 32, signed: true },
  INT4: { kind: 'int', bits: 32, signed: true },
  BIGINT: { kind: 'int', bits: 64, signed: true },
  INT8: { kind: 'int', bits: 64, signed: true },
  UTINYINT: { kind: 'int', bits: 8, signed: false },
  USMALLINT: { kind: 'int', bits: 16, signed: false },
  UINTEGER: { kind: 'int', bits: 32, signed: false },
  UBIGINT: { kind: 'int', bits: 64, signed: false },
  HUGEINT: { kind: 'hugeint' },
  INT128: { kind: 'hugeint' },
  UHUGEINT: { kind: 'hugeint' },
  UINT128: { kind: 'hugeint' },
  FLOAT: { kind: 'float', bits: 32 },
  FLOAT4: { kind: 'float', bits: 32 },
  REAL: { kind: 'float', bits: 32 },
  DOUBLE: { kind: 'float', bits: 64 },
  FLOAT8: { kind: 'float', bits: 64 },
  'DOUBLE PRECISION': { kind: 'float', bits: 64 },
  DECIMAL: { kind: 'decimal', precision: 18, scale: 3 },
  NUMERIC: { kind: 'decimal', precision: 18, scale: 3 },
  DATE: { kind: 'date' },
  TIME: { kind: 'time', unit: 'us' },
  TIME_NS: { kind: 'time', unit: 'ns' },
  TIMESTAMP: { kind: 'timestamp', unit: 'us', utc: false },
  DATETIME: { kind: 'timestamp', unit: 'us', utc: false },
  TIMESTAMP_US: { kind: 'timestamp', unit: 'us', utc: false },
  TIMESTAMP_S: { kind: 'timestamp', unit: 's', utc: false },
  TIMESTAMP_MS: { kind: 'timestamp', unit: 'ms', utc: false },
  TIMESTAMP_NS: { kind: 'timestamp', unit: 'ns', utc: false },
  'TIMESTAMP WITH TIME ZONE': { kind: 'timestamp', unit: 'us', utc: true },
  TIMESTAMPTZ: { kind: 'timestamp', unit: 'us', utc: true },
  BLOB: { kind: 'blob' },
  BYTEA: { kind: 'blob' },
  BINARY: { kind: 'blob' },
  VARBINARY: { kind: 'blob' },
  GEOMETRY: { kind: 'blob' },
};

/** The column type of DuckDB's type text ('DECIMAL(18,3)', 'STRUCT("a b" INTEGER)[]'); text for anything unknown. */
function parseType(text: string): ColumnType {
  try {
    const parser = new TypeParser(text);
    const type = parser.type();
    parser.expectEnd();
    return type;
  } catch {
    return TEXT;
  }
}

class TypeParser {
  private position = 0;

  constructor(private readonly text: string) {}

  type(): ColumnType {
    const name = this.match(/[A-Za-z_][A-Za-z0-9_]*(?:\s+[A-Za-z_][A-Za-z0-9_]*)*/y).toUpperCase().replace(/\s+/g, ' ');
    let type = this.skipSpaces().peek('(') ? this.typeWithArguments(name) : (SIMPLE_TYPES[name] ?? TEXT);
    while (this.skipSpaces().peek('[')) {
      this.expect('[');
      const size = this.match(/\d*/y);
      this.expect(']');
      type = { kind: 'list', child: type, size: size === '' ? null : Number(size) };
    }
    return type;
  }

  expectEnd(): void {
    if (this.skipSpaces().position !== this.text.length) throw new Error(`unexpected text at ${this.position}`);
  }

  private typeWithArguments(name: string): ColumnType {
    this.expect('(');
    let type: ColumnType = TEXT;
    if (name === 'DECIMAL' || name === 'NUMERIC') {
      const precision = Number(this.skipSpaces().match(/\d+/y));
      const scale = this.skipSpaces().peek(',') ? (this.expect(','), Number(this.skipSpaces().match(/\d+/y))) : 0;
      type = { kind: 'decimal', precision, scale };
    } else if (name === 'STRUCT' || name === 'ROW') {
      const fields: { name: string; type: ColumnType }[] = [];
      do {
        const fieldName = this.skipSpaces().identifier();
        fields.push({ name: fieldName, type: this.skipSpaces().type() });
      } while (this.skipSpaces().peek(',') && this.expect(','));
      type = { kind: 'struct', fields };
    } else if (name === 'MAP') {
      const key = this.skipSpaces().type();
      this.skipSpaces().expect(',');
      type = { kind: 'map', key, value: this.skipSpaces().type() };
    } else if (name === 'LIST') {
      type = { kind: 'list', child: this.skipSpaces().type(), size: null };
    } else {
      // ENUM('a', 'b'), UNION(…), GEOMETRY('crs') and anything else: written as its text.
      this.skipBalanced();
      return name === 'GEOMETRY' ? { kind: 'blob' } : TEXT;
    }
    this.skipSpaces().expect(')');
    return type;
  }

  private identifier(): string {
    if (!this.peek('"')) return this.match(/[^\s"(),]+/y);
    const quoted = this.match(/"(?:[^"]|"")*"/y);
    return quoted.slice(1, -1).replaceAll('""', '"');
  }

  /** Past the closing parenthesis of one already opened, skipping quoted strings and nested parentheses. */
  private skipBalanced(): void {
    let depth = 1;
    while (depth > 0) {
      if (this.position >= this.text.length) throw new Error('unbalanced parentheses');
      const char = this.text[this.position];
      if (char === "'" || char === '"') this.match(char === "'" ? /'(?:[^']|'')*'/y : /"(?:[^"]|"")*"/y);
      else {
        if (char === '(') depth++;
        if (char === ')') depth--;
        this.position++;
      }
    }
  }

  private match(pattern: RegExp): string {
    pattern.lastIndex = this.position;
    const found = pattern.exec(this.text);
    if (!found) throw new Error(`unexpected text at ${this.position}`);
    this.position += found[0].length;
    return found[0];
  }

  private peek(char: string): boolean {
    return this.text[this.position] === char;
  }

  private expect(char: string): true {
    if (!this.peek(char)) throw new Error(`expected ${char} at ${this.position}`);
    this.position++;
    return true;
  }

  private skipSpaces(): this {
    while (this.text[this.position] === ' ') this.position++;
    return this;
  }
}

function isNumeric(type: ColumnType): boolean {
  return type.kind === 'int' || type.kind === 'hugeint' || type.kind === 'float' || type.kind === 'decimal';
}

function isRecord(value: ResultValue): value is { [key: string]: ResultValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Names made unique in order: the first keeps its name, a repeat becomes name_2, name_3… (never an existing name). */
function uniqueNames(names: string[]): string[] {
  const taken = new Set(names);
  const seen = new Set<string>();
  return names.map((name) => {
    if (!seen.has(name)) {
      seen.add(name);
      return name;
    }
    let k = 2;
    while (taken.has(`${name}_${k}`)) k++;
    taken.add(`${name}_${k}`);
    return `${name}_${k}`;
  });
}

// ---- text of one value (table, csv, and Utf8 fallbacks) -----------------------------------------------------------

/** A value as text: DuckDB's spelling for scalars, JSON for lists, structs and maps. Never called with null. */
function cellText(value: ResultValue, type: ColumnType): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberText(value, type);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return blobText(value);
  return jsonText(value, type);
}

function numberText(value: number, type: ColumnType): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return type.kind === 'float' && type.bits === 32 ? shortestFloat32(value) : String(value);
}

/** The shortest decimal text that reads back as the same FLOAT (0.1, not 0.10000000149011612). */
function shortestFloat32(value: number): string {
  const single = Math.fround(value);
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return String(candidate);
  }
  return String(single);
}

/** A BLOB as DuckDB prints it: printable ASCII kept, every other byte as \xHH. */
function blobText(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    text += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return text;
}

// ---- table ------------------------------------------------------------------------------------------------------

const COLUMN_GAP = '  ';
/** A text column is never shrunk below this to fit the terminal. */
const MIN_TEXT_WIDTH = 8;

/** Whether a column may be cut to fit the terminal: a cut number, date or time would read as a different value. */
function isCuttable(type: ColumnType): boolean {
  return !isNumeric(type) && !['boolean', 'date', 'time', 'timestamp'].includes(type.kind);
}

function tableText(result: QueryResult, types: ColumnType[], maxRows: number, width: number, total = result.rows.length): string {
  const shownRows = result.rows.slice(0, Math.max(0, maxRows));
  const headers = result.columns.map((column) => visible(column.name));
  const cells = shownRows.map((row) => types.map((type, i) => (row[i] === null || row[i] === undefined ? 'NULL' : visible(cellText(row[i], type)))));
  const natural = headers.map((header, i) => cells.reduce((widest, row) => Math.max(widest, displayWidth(row[i])), displayWidth(header)));
  const widths = fitWidths(natural, types.map(isCuttable), width);
  const line = (texts: string[]) => texts.map((text, i) => padToWidth(truncate(text, widths[i]), widths[i], isNumeric(types[i]))).join(COLUMN_GAP);

  const lines = [line(headers), widths.map((w) => '-'.repeat(w)).join(COLUMN_GAP), ...cells.map(line)];
  const hidden = total - shownRows.length;
  if (hidden > 0) lines.push(`… ${hidden} more ${hidden === 1 ? 'row' : 'rows'} (use --format csv/--out, or LIMIT)`);
  const count = total;
  lines.push(`(${count} ${count === 1 ? 'row' : 'rows'}, ${result.seconds.toFixed(2)} s)`);
  return lines.join('\n') + '\n';
}

/** Column widths within `width`: the widest text columns shrink to a common cap first (water-filling). */
function fitWidths(natural: number[], shrinkable: boolean[], width: number): number[] {
  const capped = (cap: number) => natural.map((w, i) => (shrinkable[i] ? Math.min(w, cap) : w));
  const total = (cap: number) => capped(cap).reduce((sum, w) => sum + w, COLUMN_GAP.length * Math.max(0, natural.length - 1));
  let low = MIN_TEXT_WIDTH; // if even this is too wide, the lines run longer than the terminal rather than lose all text
  let high = natural.reduce((widest, w) => Math.max(widest, w), MIN_TEXT_WIDTH);
  while (low < high) {
    const cap = Math.ceil((low + high) / 2);
    if (total(cap) <= width) low = cap;
    else high = cap - 1;
  }
  return capped(low);
}

/** Control characters shown as escapes, so one value stays on one line. */
function visible(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (char) => CONTROL_ESCAPES[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const CONTROL_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** At most `width` columns: cut with … when longer (a wide character that would straddle the edge is left out). */
function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let kept = '';
  let used = 0;
  for (const char of text) {
    const w = charWidth(char.codePointAt(0)!);
    if (used + w > width - 1) break;
    kept += char;
    used += w;
  }
  return kept + '…';
}


// ---- csv --------------------------------------------------------------------------------------------------------

function csvBytes(result: QueryResult, types: ColumnType[], bom: boolean): Uint8Array {
  const out = new ByteSink();
  if (bom) out.add('\ufeff');
  out.add(csvHeader(result.columns));
  for (const row of result.rows) out.add(csvRow(row, types));
  return out.bytes();
}

function csvHeader(columns: QueryResult['columns']): string {
  return columns.map((column) => csvField(column.name)).join(',') + '\r\n';
}

function csvRow(row: ResultValue[], types: ColumnType[]): string {
  // NULL is an empty field; an empty string is quoted (""), so the two stay apart.
  return types.map((type, i) => (row[i] === null || row[i] === undefined ? '' : csvField(cellText(row[i], type)))).join(',') + '\r\n';
}

function csvField(text: string): string {
  if (text === '') return '""';
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

// ---- json -------------------------------------------------------------------------------------------------------

function jsonBytes(result: QueryResult, types: ColumnType[]): Uint8Array {
  const keys = jsonKeys(result.columns);
  const out = new ByteSink();
  out.add('[');
  result.rows.forEach((row, r) => out.add(jsonRow(row, types, keys, r === 0)));
  out.add(result.rows.length === 0 ? ']\n' : '\n]\n');
  return out.bytes();
}

function jsonKeys(columns: QueryResult['columns']): string[] {
  return uniqueNames(columns.map((column) => column.name)).map((name) => JSON.stringify(name) + ':');
}

function jsonRow(row: ResultValue[], types: ColumnType[], keys: string[], first: boolean): string {
  return (first ? '\n' : ',\n') + '{' + keys.map((key, i) => key + jsonText(row[i] ?? null, types[i])).join(',') + '}';
}

/** One value as JSON text, led by the value's own shape and refined by its column type. */
function jsonText(value: ResultValue, type: ColumnType): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? numberText(value, type) : JSON.stringify(numberText(value, type));
  if (typeof value === 'bigint') return bigintJson(value);
  if (typeof value === 'string') {
    if (type.kind === 'decimal') return decimalJson(value) ?? JSON.stringify(value);
    if (type.kind === 'date') return JSON.stringify(isoDate(value));
    if (type.kind === 'timestamp' && !type.utc) return JSON.stringify(isoTimestamp(value));
    return JSON.stringify(value);
  }
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
  if (Array.isArray(value)) {
    const itemType: ColumnType = type.kind === 'list' ? type.child : type.kind === 'map' ? mapEntryType(type.key, type.value) : TEXT;
    return '[' + value.map((item) => jsonText(item, itemType)).join(',') + ']';
  }
  const fieldTypes = new Map(type.kind === 'struct' ? type.fields.map((field) => [field.name, field.type]) : []);
  return '{' + Object.entries(value).map(([key, item]) => JSON.stringify(key) + ':' + jsonText(item, fieldTypes.get(key) ?? TEXT)).join(',') + '}';
}

function mapEntryType(key: ColumnType, value: ColumnType): ColumnType {
  return { kind: 'struct', fields: [{ name: 'key', type: key }, { name: 'value', type: value }] };
}

function bigintJson(value: bigint): string {
  const exact = value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER);
  return exact ? String(value) : JSON.stringify(String(value));
}

/** The decimal as a JSON number when the number's shortest text has the same digits, else null. */
function decimalJson(text: string): string | null {
  const number = Number(text);
  if (!Number.isFinite(number)) return null;
  const shortest = String(number);
  return canonicalDecimal(shortest) === canonicalDecimal(text) ? shortest : null;
}

/** '-12.500' and '-1.25e1' both as '-125e-1': sign, significant digits, exponent. */
function canonicalDecimal(text: string): string | null {
  const parts = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!parts) return null;
  const [, sign, whole, fraction = '', exponent = '0'] = parts;
  const digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return '0';
  const significant = digits.replace(/0+$/, '');
  const power = Number(exponent) - fraction.length + (digits.length - significant.length);
  return `${sign === '-' ? '-' : ''}${significant}e${power}`;
}

/** A DATE in ISO 8601: as DuckDB prints it, except BC and 5-digit years, which take ISO's signed 6-digit form. */
function isoDate(text: string): string {
  const parts = DATE_PATTERN.exec(text);
  if (!parts || (parts[1].length === 4 && !parts[4])) return text;
  return `${isoYear(yearOf(parts[1], parts[4]))}-${parts[2]}-${parts[3]}`;
}

/** A TIMESTAMP in ISO 8601 ('T' between date and time), with no zone: it is wall-clock time. */
function isoTimestamp(text: string): string {
  const parts = TIMESTAMP_PATTERN.exec(text);
  if (!parts) return text;
  const [, year, month, day, bcAfterDate, time, bcAfterTime] = parts;
  return `${isoYear(yearOf(year, bcAfterDate ?? bcAfterTime))}-${month}-${day}T${time}`;
}

function isoYear(year: number): string {
  return year >= 0 && year <= 9999 ? String(year).padStart(4, '0') : `${year < 0 ? '-' : '+'}${String(Math.abs(year)).padStart(6, '0')}`;
}

// ---- dates and times --------------------------------------------------------------------------------------------

// DuckDB prints 1 BC as '0001-01-01 (BC)'; JS Date and ISO 8601 as '0000-01-01' or '-000001-01-01' (astronomical).
const DATE_PATTERN = /^([+-]?\d{4,})-(\d\d)-(\d\d)( \(BC\))?$/;
const TIMESTAMP_PATTERN = /^([+-]?\d{4,})-(\d\d)-(\d\d)( \(BC\))?[T ](\d\d:\d\d:\d\d(?:\.\d{1,9})?)( \(BC\))?$/;
const TIMESTAMP_UTC_PATTERN = /^([+-]?\d{4,})-(\d\d)-(\d\d)( \(BC\))?[T ](\d\d:\d\d:\d\d(?:\.\d{1,9})?)( \(BC\))?(Z|[+-]\d\d(?::?\d\d)?)?$/;
const TIME_PATTERN = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$/;

/** DuckDB's infinite dates and timestamps, kept as the same sentinels DuckDB stores, so DuckDB reads them back. */
const INFINITE_DAYS = 2 ** 31 - 1;
const INFINITE_TICKS = 2n ** 63n - 1n;

const TICKS_PER_SECOND: Record<TimeUnitName, number> = { s: 1, ms: 1e3, us: 1e6, ns: 1e9 };
const FRACTION_DIGITS: Record<TimeUnitName, number> = { s: 0, ms: 3, us: 6, ns: 9 };

function yearOf(text: string, bc: string | undefined): number {
  return bc ? 1 - Number(text) : Number(text);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function dateDays(text: string): number {
  if (text === 'infinity') return INFINITE_DAYS;
  if (text === '-infinity') return -INFINITE_DAYS;
  const parts = DATE_PATTERN.exec(text);
  if (!parts) throw new Unfit();
  return civilDays(yearOf(parts[1], parts[4]), parts[2], parts[3]);
}

function civilDays(year: number, monthText: string, dayText: string): number {
  const month = Number(monthText);
  const day = Number(dayText);
  if (month < 1 || month > 12 || day < 1 || day > 31) throw new Unfit();
  return daysFromCivil(year, month, day);
}

/** Ticks of `unit` since midnight of 'HH:MM:SS[.fffffffff]' (digits beyond the unit are dropped). */
function timeTicks(text: string, unit: TimeUnitName): bigint {
  const parts = TIME_PATTERN.exec(text);
  if (!parts) throw new Unfit();
  const [, hours, minutes, seconds, fraction = ''] = parts;
  return BigInt((Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds)) * TICKS_PER_SECOND[unit] + fractionTicks(fraction, unit));
}

function fractionTicks(fraction: string, unit: TimeUnitName): number {
  const digits = FRACTION_DIGITS[unit];
  return digits === 0 ? 0 : Number(fraction.padEnd(digits, '0').slice(0, digits));
}

/** Ticks of `unit` since 1970-01-01 00:00 of a timestamp; with `utc`, a zone suffix (Z, +08:00) is applied. */
function timestampTicks(text: string, unit: TimeUnitName, utc: boolean): bigint {
  if (text === 'infinity') return INFINITE_TICKS;
  if (text === '-infinity') return -INFINITE_TICKS;
  const parts = (utc ? TIMESTAMP_UTC_PATTERN : TIMESTAMP_PATTERN).exec(text);
  if (!parts) throw new Unfit();
  const [, year, month, day, bcAfterDate, time, bcAfterTime, zone] = parts;
  const days = civilDays(yearOf(year, bcAfterDate ?? bcAfterTime), month, day);
  let ticks = BigInt(days) * BigInt(86_400 * TICKS_PER_SECOND[unit]) + timeTicks(time, unit);
  if (zone && zone !== 'Z') {
    const [, sign, hours, minutes = '0'] = /^([+-])(\d\d):?(\d\d)?$/.exec(zone)!;
    const offset = BigInt((Number(hours) * 3600 + Number(minutes) * 60) * TICKS_PER_SECOND[unit]);
    ticks += sign === '+' ? -offset : offset;
  }
  return ticks;
}

// ---- arrow and parquet ------------------------------------------------------------------------------------------

/** A value that does not fit its column's declared type: the column is then written as text. */
class Unfit extends Error {}

function arrowTable(result: QueryResult, types: ColumnType[]): Table {
  const length = result.rows.length;
  const columns = types.map((type, i) => {
    const values = result.rows.map((row) => row[i] ?? null);
    try {
      return arrowData(type, values);
    } catch (error) {
      if (!(error instanceof Unfit)) throw error;
      return textData(values.map((value) => (value === null ? null : cellText(value, type))));
    }
  });
  const names = uniqueNames(result.columns.map((column) => column.name));
  const fields = columns.map((data, i) => new Field(names[i], data.type, true));
  const schema = new Schema(fields);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children: columns }));
  return new Table(schema, [batch]);
}

function secondsAsMilliseconds(type: ColumnType): ColumnType {
  switch (type.kind) {
    case 'timestamp':
      return type.unit === 's' ? { ...type, unit: 'ms' } : type;
    case 'list':
      return { ...type, child: secondsAsMilliseconds(type.child) };
    case 'struct':
      return { ...type, fields: type.fields.map((field) => ({ ...field, type: secondsAsMilliseconds(field.type) })) };
    case 'map':
      return { ...type, key: secondsAsMilliseconds(type.key), value: secondsAsMilliseconds(type.value) };
    default:
      return type;
  }
}

function parquetBytes(table: Table): Uint8Array {
  // Snappy: what DuckDB writes by default, and every Parquet reader takes it.
  const properties = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.SNAPPY).build();
  return parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(table, 'stream')), properties);
}

interface Validity {
  length: number;
  nullCount: number;
  nullBitmap: Uint8Array;
}

function validityOf(values: readonly ResultValue[]): Validity {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null) nullCount++;
    else nullBitmap[i >> 3] |= 1 << (i & 7);
  }
  return { length: values.length, nullCount, nullBitmap };
}


/** The Arrow data of one column's (or one child's) values, typed as the column type says; Unfit if a value is not. */
function arrowData(type: ColumnType, values: readonly ResultValue[]): Data {
  const validity = validityOf(values);
  const each = <T>(convert: (value: ResultValue) => T, store: (i: number, converted: T) => void) => {
    for (let i = 0; i < values.length; i++) if (values[i] !== null) store(i, convert(values[i]));
  };
  switch (type.kind) {
    case 'boolean': {
      const bits = new Uint8Array(Math.ceil(values.length / 8));
      each(asBoolean, (i, value) => value && (bits[i >> 3] |= 1 << (i & 7)));
      return makeData({ type: new Bool(), ...validity, data: bits });
    }
    case 'int': {
      if (type.bits === 64) {
        const [min, max] = type.signed ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
        const data = type.signed ? new BigInt64Array(values.length) : new BigUint64Array(values.length);
        each((value) => asBigint(value, min, max), (i, value) => (data[i] = value));
        return type.signed ? makeData({ type: new Int64(), ...validity, data: data as BigInt64Array }) : makeData({ type: new Uint64(), ...validity, data: data as BigUint64Array });
      }
      const arrowType = new Int(type.signed, type.bits);
      const data = new arrowType.ArrayType(values.length) as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
      const [min, max] = type.signed ? [-(2 ** (type.bits - 1)), 2 ** (type.bits - 1) - 1] : [0, 2 ** type.bits - 1];
      each((value) => asInteger(value, min, max), (i, value) => (data[i] = value));
      return makeData({ type: arrowType, ...validity, data });
    }
    case 'hugeint':
      return decimalData(0, 38, values, validity);
    case 'float': {
      const data = type.bits === 32 ? new Float32Array(values.length) : new Float64Array(values.length);
      each(asNumber, (i, value) => (data[i] = value));
      return data instanceof Float32Array ? makeData({ type: new Float32(), ...validity, data }) : makeData({ type: new Float64(), ...validity, data });
    }
    case 'decimal':
      return decimalData(type.scale, type.precision, values, validity);
    case 'date': {
      const data = new Int32Array(values.length);
      each((value) => dateDays(asString(value)), (i, days) => (data[i] = days));
      return makeData({ type: new DateDay(), ...validity, data });
    }
    case 'time': {
      const data = new BigInt64Array(values.length);
      each((value) => timeTicks(asString(value), type.unit), (i, ticks) => (data[i] = ticks));
      return type.unit === 'ns' ? makeData({ type: new TimeNanosecond(), ...validity, data }) : makeData({ type: new TimeMicrosecond(), ...validity, data });
    }
    case 'timestamp': {
      const data = new BigInt64Array(values.length);
      each((value) => timestampTicks(asString(value), type.unit, type.utc), (i, ticks) => (data[i] = ticks));
      return makeData({ type: new Timestamp(ARROW_TIME_UNITS[type.unit], type.utc ? 'UTC' : null), ...validity, data });
    }
    case 'blob':
      return bytesData(new Binary(), values.map((value) => (value === null ? null : asBytes(value))));
    case 'list': {
      const lists = values.map((value) => (value === null ? null : asArray(value)));
      if (type.size !== null) {
        const size = type.size;
        const items = lists.flatMap((list) => list ?? new Array<ResultValue>(size).fill(null));
        if (lists.some((list) => list !== null && list.length !== size)) throw new Unfit();
        const child = arrowData(type.child, items);
        return makeData({ type: new FixedSizeList(size, new Field('item', child.type, true)), ...validity, child });
      }
      const valueOffsets = offsetsOf(lists.map((list) => list?.length ?? 0));
      const child = arrowData(type.child, lists.flatMap((list) => list ?? []));
      return makeData({ type: new List(new Field('item', child.type, true)), ...validity, valueOffsets, child });
    }
    case 'struct': {
      const records = values.map((value) => (value === null ? null : asRecord(value)));
      const children = type.fields.map((field) => arrowData(field.type, records.map((record) => (record && Object.hasOwn(record, field.name) ? record[field.name] : null))));
      const fields = children.map((child, i) => new Field(type.fields[i].name, child.type, true));
      return makeData({ type: new Struct(fields), ...validity, children });
    }
    case 'map': {
      const entries = values.map((value) => (value === null ? null : asArray(value).map(asMapEntry)));
      const flat = entries.flatMap((list) => list ?? []);
      const keys = arrowData(type.key, flat.map((entry) => entry.key));
      const items = arrowData(type.value, flat.map((entry) => entry.value));
      const entryType = new Struct([new Field('key', keys.type, false), new Field('value', items.type, true)]);
      const child = makeData({ type: entryType, length: flat.length, nullCount: 0, children: [keys, items] });
      return makeData({ type: new Map_(new Field('entries', entryType, false)), ...validity, valueOffsets: offsetsOf(entries.map((list) => list?.length ?? 0)), child });
    }
    case 'text':
      return textData(values.map((value) => (value === null ? null : cellText(value, type))));
  }
}

const ARROW_TIME_UNITS: Record<TimeUnitName, TimeUnit> = { s: TimeUnit.SECOND, ms: TimeUnit.MILLISECOND, us: TimeUnit.MICROSECOND, ns: TimeUnit.NANOSECOND };

/** Decimal128: each value its unscaled integer in 128-bit two's complement, little-endian. */
function decimalData(scale: number, precision: number, values: readonly ResultValue[], validity: Validity): Data {
  if (precision > 38) throw new Unfit();
  const limit = 10n ** BigInt(precision);
  const words = new BigUint64Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null) continue;
    const unscaled = typeof value === 'bigint' ? value * 10n ** BigInt(scale) : unscaledDecimal(value, scale);
    if (unscaled >= limit || unscaled <= -limit) throw new Unfit();
    words[2 * i] = BigInt.asUintN(64, unscaled);
    words[2 * i + 1] = BigInt.asUintN(64, unscaled >> 64n);
  }
  return makeData({ type: new Decimal(scale, precision, 128), ...validity, data: new Uint32Array(words.buffer) });
}

/** '-12.5' at scale 3 -> -12500n; Unfit if the text has nonzero digits beyond the scale or is not a decimal. */
function unscaledDecimal(value: ResultValue, scale: number): bigint {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : asString(value);
  const parts = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!parts) throw new Unfit();
  const [, sign, whole, fraction = ''] = parts;
  if (/[1-9]/.test(fraction.slice(scale))) throw new Unfit();
  const digits = BigInt(whole + fraction.slice(0, scale).padEnd(scale, '0'));
  return sign === '-' ? -digits : digits;
}

function offsetsOf(lengths: number[]): Int32Array {
  const offsets = new Int32Array(lengths.length + 1);
  for (let i = 0; i < lengths.length; i++) offsets[i + 1] = offsets[i] + lengths[i];
  if (offsets[lengths.length] !== lengths.reduce((sum, n) => sum + n, 0)) throw new Error('a list column holds more than 2^31 items');
  return offsets;
}

function textData(texts: readonly (string | null)[]): Data {
  const valueOffsets = new Int32Array(texts.length + 1);
  let total = 0;
  for (let i = 0; i < texts.length; i++) {
    total += texts[i] === null ? 0 : Buffer.byteLength(texts[i]!, 'utf8');
    valueOffsets[i + 1] = total;
  }
  if (total > 2 ** 31 - 1) throw new Error('a text column holds more than 2 GiB; write it as csv instead');
  const data = Buffer.allocUnsafe(total);
  for (let i = 0; i < texts.length; i++) if (texts[i] !== null) data.write(texts[i]!, valueOffsets[i], 'utf8');
  return makeData({ type: new Utf8(), ...validityOf(texts), valueOffsets, data: new Uint8Array(data.buffer, data.byteOffset, total) });
}

function bytesData(type: Binary, blobs: readonly (Uint8Array | null)[]): Data {
  const valueOffsets = offsetsOf(blobs.map((blob) => blob?.byteLength ?? 0));
  const data = new Uint8Array(valueOffsets[blobs.length]);
  blobs.forEach((blob, i) => blob && data.set(blob, valueOffsets[i]));
  return makeData({ type, ...validityOf(blobs), valueOffsets, data });
}

function asBoolean(value: ResultValue): boolean {
  if (typeof value !== 'boolean') throw new Unfit();
  return value;
}

function asNumber(value: ResultValue): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new Unfit();
}

function asInteger(value: ResultValue, min: number, max: number): number {
  const number = asNumber(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new Unfit();
  return number;
}

function asBigint(value: ResultValue, min: bigint, max: bigint): bigint {
  const integer = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : null;
  if (integer === null || integer < min || integer > max) throw new Unfit();
  return integer;
}

function asString(value: ResultValue): string {
  if (typeof value !== 'string') throw new Unfit();
  return value;
}

function asBytes(value: ResultValue): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  throw new Unfit();
}

function asArray(value: ResultValue): ResultValue[] {
  if (!Array.isArray(value)) throw new Unfit();
  return value;
}

function asRecord(value: ResultValue): { [key: string]: ResultValue } {
  if (!isRecord(value)) throw new Unfit();
  return value;
}

function asMapEntry(value: ResultValue): { key: ResultValue; value: ResultValue } {
  const entry = asRecord(value);
  if (!Object.hasOwn(entry, 'key') || entry.key === null) throw new Unfit(); // Arrow map keys are never null
  return { key: entry.key, value: Object.hasOwn(entry, 'value') ? entry.value : null };
}

// ---- bytes ------------------------------------------------------------------------------------------------------

/** Text gathered into UTF-8 chunks, so a big CSV or JSON never needs one string longer than V8 allows. */
class ByteSink {
  private readonly chunks: Buffer[] = [];
  private pending: string[] = [];
  private pendingLength = 0;

  add(text: string): void {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength > 1 << 20) this.flush();
  }

  bytes(): Uint8Array {
    this.flush();
    return Buffer.concat(this.chunks);
  }

  private flush(): void {
    this.chunks.push(Buffer.from(this.pending.join(''), 'utf8'));
    this.pending = [];
    this.pendingLength = 0;
  }
}
