// The text formats of the analyst commands: a QueryResult (analyst/result.ts), or its rows as they come, as a table
// for a terminal, CSV or JSON. Parquet and CSV files are written by DuckDB itself (sandbox.ts copy), Arrow from
// that Parquet (arrow.ts), Excel workbooks by exceljs (xlsx.ts).
//
// Text formats write values as DuckDB prints them (the representation of result.ts: a TIMESTAMPTZ in China time,
// '2021-11-30 02:22:05+08'), lists, structs and maps as JSON, BLOBs with \xHH escapes. JSON numbers: integers are
// numbers while exact in a double (|v| <= 2^53-1), otherwise strings; a DECIMAL is a number when the number's
// shortest text has the same digits (12.500 -> 12.5, 0.1 -> 0.1), otherwise a string (12345678901234567.89):
// numbers where they are exact, never a silently rounded one. JSON dates and timestamps without zone are ISO 8601
// ('T', expanded years for BC and after 9999), a TIMESTAMPTZ as DuckDB prints it, BLOBs base64, NaN and infinities
// the strings "nan", "inf", "-inf". Duplicate column names get _2, _3… in JSON (objects need unique keys); the
// table and CSV keep the names as written.
import { charWidth, displayWidth, padToWidth } from '../text-width.ts';
import type { QueryResult, ResultValue, ValueType } from './result.ts';

export type TextFormat = 'table' | 'csv' | 'json';

export interface FormatOptions {
  /** csv: a UTF-8 byte-order mark first, for spreadsheets (Excel) */
  bom?: boolean;
  /** table: at most this many rows shown, then a note how many more; default 100 */
  maxRows?: number;
  /** table: terminal width to fit (truncate long cells with …); default 120 */
  width?: number;
  /** table: what the note on rows not shown says to do; default the command's flags */
  moreRowsHint?: string;
}

/** The note after a table that did not show every row, for `bulletin sql`. */
const COMMAND_MORE_ROWS_HINT = 'use --format csv, --out FILE, or LIMIT';

/** The bytes of the whole result in a text format. */
export function formatResult(result: QueryResult, format: TextFormat, options: FormatOptions = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  const writer = streamingWriter(format, options, (bytes) => chunks.push(bytes));
  writer.columns(result.columns);
  writer.rows(result.rows);
  writer.end(result.seconds);
  return Buffer.concat(chunks);
}

/** The rows of a result as they come, chunk by chunk (pipeline/analyst/sandbox.ts ResultSink), then its end. */
export interface ResultWriter {
  columns(columns: QueryResult['columns']): void;
  rows(rows: ResultValue[][]): void;
  /** The rest of the bytes once every row has been seen (the table itself, the closing bracket). */
  end(seconds: number): void;
}

/**
 * A writer of the text formats that holds no more than a chunk: CSV and JSON bytes are handed to `write` chunk by
 * chunk; the table keeps only the rows it shows (maxRows) and counts the others.
 */
export function streamingWriter(format: TextFormat, options: FormatOptions, write: (bytes: Uint8Array) => void): ResultWriter {
  let columns: QueryResult['columns'] = [];
  let types: ValueType[] = [];
  let keys: string[] = [];
  let count = 0;
  const shown: ResultValue[][] = [];
  const maxRows = Math.max(0, options.maxRows ?? 100);
  const text = (value: string) => write(Buffer.from(value, 'utf8'));
  return {
    columns(names) {
      columns = names;
      types = names.map((column) => column.valueType);
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
      if (format === 'table') text(tableText({ columns, rows: shown, seconds }, types, maxRows, options.width ?? 120, count, options.moreRowsHint ?? COMMAND_MORE_ROWS_HINT));
      if (format === 'json') text(count === 0 ? ']\n' : '\n]\n');
    },
  };
}

const TEXT: ValueType = { kind: 'text' };

function isNumeric(type: ValueType): boolean {
  return type.kind === 'integer' || type.kind === 'float' || type.kind === 'double' || type.kind === 'decimal';
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
export function cellText(value: ResultValue, type: ValueType): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberText(value, type);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return blobText(value);
  return jsonText(value, type);
}

function numberText(value: number, type: ValueType): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return type.kind === 'float' ? shortestFloat32(value) : String(value);
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
function isCuttable(type: ValueType): boolean {
  return !isNumeric(type) && !['boolean', 'date', 'time', 'timestamp', 'timestamptz'].includes(type.kind);
}

function tableText(result: QueryResult, types: ValueType[], maxRows: number, width: number, total: number, moreRowsHint: string): string {
  const shownRows = result.rows.slice(0, Math.max(0, maxRows));
  const headers = result.columns.map((column) => visible(column.name));
  const cells = shownRows.map((row) => types.map((type, i) => (row[i] === null || row[i] === undefined ? 'NULL' : visible(cellText(row[i], type)))));
  const natural = headers.map((header, i) => cells.reduce((widest, row) => Math.max(widest, displayWidth(row[i])), displayWidth(header)));
  const widths = fitWidths(natural, types.map(isCuttable), width);
  const line = (texts: string[]) => texts.map((text, i) => padToWidth(truncate(text, widths[i]), widths[i], isNumeric(types[i]))).join(COLUMN_GAP);

  const lines = [line(headers), widths.map((w) => '-'.repeat(w)).join(COLUMN_GAP), ...cells.map(line)];
  const hidden = total - shownRows.length;
  if (hidden > 0) lines.push(`… ${hidden} more ${hidden === 1 ? 'row' : 'rows'} (${moreRowsHint})`);
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

function csvHeader(columns: QueryResult['columns']): string {
  return columns.map((column) => csvField(column.name)).join(',') + '\r\n';
}

function csvRow(row: ResultValue[], types: ValueType[]): string {
  // NULL is an empty field; an empty string is quoted (""), so the two stay apart.
  return types.map((type, i) => (row[i] === null || row[i] === undefined ? '' : csvField(cellText(row[i], type)))).join(',') + '\r\n';
}

function csvField(text: string): string {
  if (text === '') return '""';
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

// ---- json -------------------------------------------------------------------------------------------------------

function jsonKeys(columns: QueryResult['columns']): string[] {
  return uniqueNames(columns.map((column) => column.name)).map((name) => JSON.stringify(name) + ':');
}

function jsonRow(row: ResultValue[], types: ValueType[], keys: string[], first: boolean): string {
  return (first ? '\n' : ',\n') + '{' + keys.map((key, i) => key + jsonText(row[i] ?? null, types[i])).join(',') + '}';
}

/** One value as JSON text, led by the value's own shape and refined by its column type. */
function jsonText(value: ResultValue, type: ValueType): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? numberText(value, type) : JSON.stringify(numberText(value, type));
  if (typeof value === 'bigint') return bigintJson(value);
  if (typeof value === 'string') {
    if (type.kind === 'decimal') return decimalJson(value) ?? JSON.stringify(value);
    if (type.kind === 'date') return JSON.stringify(isoDate(value));
    if (type.kind === 'timestamp') return JSON.stringify(isoTimestamp(value));
    return JSON.stringify(value);
  }
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
  if (Array.isArray(value)) {
    const itemType: ValueType = type.kind === 'list' ? type.child : type.kind === 'map' ? mapEntryType(type.key, type.value) : TEXT;
    return '[' + value.map((item) => jsonText(item, itemType)).join(',') + ']';
  }
  const fieldTypes = new Map(type.kind === 'struct' ? type.fields.map((field) => [field.name, field.type]) : []);
  return '{' + Object.entries(value).map(([key, item]) => JSON.stringify(key) + ':' + jsonText(item, fieldTypes.get(key) ?? TEXT)).join(',') + '}';
}

function mapEntryType(key: ValueType, value: ValueType): ValueType {
  return { kind: 'struct', fields: [{ name: 'key', type: key }, { name: 'value', type: value }] };
}

function bigintJson(value: bigint): string {
  const exact = value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER);
  return exact ? String(value) : JSON.stringify(String(value));
}

/** The decimal as a JSON number when the number's shortest text has the same digits, else null. */
export function decimalJson(text: string): string | null {
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

// DuckDB prints 1 BC as '0001-01-01 (BC)'; JS Date and ISO 8601 as '0000-01-01' or '-000001-01-01' (astronomical).
const DATE_PATTERN = /^([+-]?\d{4,})-(\d\d)-(\d\d)( \(BC\))?$/;
const TIMESTAMP_PATTERN = /^([+-]?\d{4,})-(\d\d)-(\d\d)( \(BC\))?[T ](\d\d:\d\d:\d\d(?:\.\d{1,9})?)( \(BC\))?$/;

function yearOf(text: string, bc: string | undefined): number {
  return bc ? 1 - Number(text) : Number(text);
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
