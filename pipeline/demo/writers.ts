// Byte-level writers, one per format of exports.md. Each is deterministic: the same input gives the same bytes
// (gzip writes no time stamp; DuckDB writes Parquet on one thread, in insertion order).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import {
  Bool, DateDay, Int32, Table, TimestampMillisecond, Utf8, tableToIPC, vectorFromArray, type DataType, type Vector,
} from 'apache-arrow';
import { quoteLiteral, Warehouse } from '../warehouse/warehouse.ts';

export type TextEncoding = 'utf8' | 'utf8-bom' | 'gb18030';

export interface CsvOptions {
  delimiter: ',' | '\t';
  encoding: TextEncoding;
  lineEnd: '\n' | '\r\n';
  gzip: boolean;
  /** How an empty value is written, per cell (`''`, `NULL`, `\N`). */
  empty: () => string;
}

export function writeCsv(path: string, header: string[], rows: (string | null)[][], options: CsvOptions): void {
  const field = (value: string) =>
    value.includes(options.delimiter) || /["\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
  const lines = [header.map(field).join(options.delimiter)];
  for (const row of rows) lines.push(row.map((v) => (v === null ? options.empty() : field(v))).join(options.delimiter));
  const text = lines.join(options.lineEnd) + options.lineEnd;
  let bytes: Buffer =
    options.encoding === 'gb18030' ? iconv.encode(text, 'gb18030')
    : options.encoding === 'utf8-bom' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])
    : Buffer.from(text, 'utf8');
  if (options.gzip) bytes = gzipSync(bytes, { level: 9 });
  writeFileSync(path, bytes);
}

export function writeJsonLines(path: string, objects: Record<string, unknown>[]): void {
  writeFileSync(path, objects.map((o) => JSON.stringify(o)).join('\n') + '\n');
}

/** A typed column: what Parquet and Arrow files carry. Dates are day numbers, stamps epoch milliseconds. */
export type TypedKind = 'text' | 'date' | 'timestamp' | 'bool' | 'int';

export interface TypedColumn {
  name: string;
  kind: TypedKind;
  values: (string | number | boolean | null)[];
}

/**
 * An Arrow IPC file or stream. `timezone` null writes timestamps without a zone: then the values are the China
 * wall-clock time read as if it were UTC, which is what a naive timestamp means (exports.md: China time).
 */
export function writeArrow(path: string, columns: TypedColumn[], kind: 'file' | 'stream', timezone: string | null): void {
  const vectors: Record<string, Vector> = {};
  for (const column of columns) {
    const type: DataType =
      column.kind === 'date' ? new DateDay()
      : column.kind === 'timestamp' ? new TimestampMillisecond(timezone)
      : column.kind === 'bool' ? new Bool()
      : column.kind === 'int' ? new Int32()
      : new Utf8();
    const values = column.kind === 'date' ? column.values.map((v) => (v === null ? null : (v as number) * 86_400_000)) : column.values;
    vectors[column.name] = vectorFromArray(values, type);
  }
  writeFileSync(path, tableToIPC(new Table(vectors), kind));
}

const DUCKDB_TYPES: Record<TypedKind, string> = { text: 'VARCHAR', date: 'DATE', timestamp: 'TIMESTAMPTZ', bool: 'BOOLEAN', int: 'INTEGER' };

/**
 * A Parquet file written by DuckDB with DATE, TIMESTAMPTZ, BOOLEAN and INTEGER columns: the rows go through a
 * temporary CSV of canonical values (timestamps as UTC instants) that DuckDB reads with the declared types.
 */
export async function writeParquet(path: string, columns: TypedColumn[]): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'bulletin-demo-'));
  const warehouse = await Warehouse.open(':memory:');
  try {
    await warehouse.run('SET threads = 1');
    const csvPath = join(scratch, 'rows.csv');
    const canonical = (column: TypedColumn, value: string | number | boolean | null): string => {
      if (value === null) return '\\N';
      if (column.kind === 'date') return new Date((value as number) * 86_400_000).toISOString().slice(0, 10);
      if (column.kind === 'timestamp') return new Date(value as number).toISOString().replace('T', ' ').replace('.000Z', '+00');
      if (column.kind === 'text') return `"${String(value).replace(/"/g, '""')}"`;
      return String(value);
    };
    const rowCount = columns[0]?.values.length ?? 0;
    const lines = [columns.map((c) => c.name).join(',')];
    for (let i = 0; i < rowCount; i++) lines.push(columns.map((c) => canonical(c, c.values[i])).join(','));
    writeFileSync(csvPath, lines.join('\n') + '\n');
    const types = columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(DUCKDB_TYPES[c.kind])}`).join(', ');
    await warehouse.run(
      `COPY (SELECT * FROM read_csv(${quoteLiteral(csvPath)}, header = true, delim = ',', quote = '"', escape = '"', ` +
        `nullstr = '\\N', columns = {${types}})) TO ${quoteLiteral(path)} (FORMAT parquet)`,
    );
  } finally {
    warehouse.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
