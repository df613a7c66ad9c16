// Excel workbooks for `bulletin sql --format xlsx` (or --out x.xlsx): one sheet, the header row bold and frozen,
// written row by row with exceljs's streaming writer as the rows come (sandbox.ts stream), so a result is never
// held whole. Values keep what they are:
//   numbers         numbers (a BIGINT beyond 2^53 and a DECIMAL a double cannot hold exactly: text, digits kept)
//   DATE            an Excel date (yyyy-mm-dd); outside Excel's years 1900-9999 (BC, infinity): DuckDB's text
//   TIMESTAMP       an Excel date-time (yyyy-mm-dd hh:mm:ss), wall-clock time
//   TIMESTAMPTZ     the same in China time (Excel has no time zones; the text formats print the +08)
//   TIME            an Excel time (hh:mm:ss)
//   BOOLEAN         TRUE/FALSE
//   anything else   text as the table and CSV print it (lists and structs as JSON, BLOBs with \xHH)
// Text is written as is, Chinese included. Text that a plain cell would not keep (spaces at either end, a control
// character XML cannot hold, which exceljs would drop, or a literal _xHHHH_) goes in an inline rich-text cell,
// escaped in OOXML's _xHHHH_ form, which Excel and LibreOffice both read back to the very text. A value longer than
// a cell holds, or more rows than a sheet holds, stops the command with one line rather than write a workbook
// Excel has to repair.
import ExcelJS from 'exceljs';
import { InputRefused } from '../errors.ts';
import { displayWidth } from '../text-width.ts';
import { cellText, decimalJson, type ResultWriter } from './formats.ts';
import type { QueryResult, ResultValue, ValueType } from './result.ts';

/** Rows an Excel sheet holds, the header row included. */
const EXCEL_MAX_ROWS = 1_048_576;
/** Characters an Excel cell holds. */
const EXCEL_MAX_CELL_TEXT = 32_767;

const DATE_FORMAT = 'yyyy-mm-dd';
const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';
const TIME_FORMAT = 'hh:mm:ss';

/** A ResultWriter that writes an .xlsx file at `path`; `finished` settles once the workbook is on disk. */
export function xlsxWriter(path: string): ResultWriter & { finished(): Promise<void> } {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true, useSharedStrings: false });
  const sheet = workbook.addWorksheet('result', { views: [{ state: 'frozen', ySplit: 1 }] });
  let types: ValueType[] = [];
  let names: string[] = [];
  let count = 0;
  let ended: Promise<void> | null = null;
  return {
    columns(columns: QueryResult['columns']) {
      types = columns.map((column) => column.valueType);
      names = columns.map((column) => column.name);
      // Wide enough for what a column holds (a date shown as ##### helps no one); long text wraps at 60.
      sheet.columns = columns.map((column) => ({ width: columnWidth(column.name, column.valueType), style: { numFmt: numberFormatOf(column.valueType) } }));
      const header = sheet.addRow(names.map((name) => excelText(name, name)));
      header.font = { bold: true };
      header.commit();
    },
    rows(rows: ResultValue[][]) {
      if (count + rows.length > EXCEL_MAX_ROWS - 1) {
        throw new InputRefused(`the result has more rows than an Excel sheet holds (${(EXCEL_MAX_ROWS - 1).toLocaleString('en')} under the header): use --format csv or parquet`);
      }
      for (const row of rows) sheet.addRow(row.map((value, i) => excelValue(value, types[i], names[i]))).commit();
      count += rows.length;
    },
    end() {
      sheet.commit();
      ended = workbook.commit();
    },
    finished() {
      return ended ?? Promise.reject(new Error('the workbook was not ended'));
    },
  };
}

function numberFormatOf(type: ValueType): string | undefined {
  if (type.kind === 'date') return DATE_FORMAT;
  if (type.kind === 'timestamp' || type.kind === 'timestamptz') return DATE_TIME_FORMAT;
  if (type.kind === 'time') return TIME_FORMAT;
  return undefined;
}

function columnWidth(name: string, type: ValueType): number {
  const content = type.kind === 'date' ? 10 : type.kind === 'timestamp' || type.kind === 'timestamptz' ? 19 : type.kind === 'time' ? 8 : 10;
  return Math.min(60, Math.max(content, displayWidth(name)) + 2);
}

type ExcelValue = string | number | boolean | Date | { richText: { text: string }[] } | null;

/** One value as Excel takes it (see the header comment). */
function excelValue(value: ResultValue, type: ValueType, column: string): ExcelValue {
  if (value === null) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? (type.kind === 'float' ? Number(cellText(value, type)) : value) : cellText(value, type);
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : String(value);
  if (typeof value === 'string') {
    if (type.kind === 'decimal') {
      const exact = decimalJson(value);
      return exact === null ? value : Number(exact);
    }
    if (type.kind === 'date' || type.kind === 'timestamp' || type.kind === 'timestamptz') return excelDate(value) ?? value;
    if (type.kind === 'time') return excelTime(value) ?? value;
  }
  return excelText(cellText(value, type), column);
}

const WALL_CLOCK = /^(\d{4})-(\d\d)-(\d\d)(?: (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?)?(?:[+-]\d\d(?::\d\d)*)?$/;

/** Excel's first day that its serial numbers count right (it takes 1900 for a leap year). */
const EXCEL_FIRST_DAY = Date.UTC(1900, 2, 1);

/**
 * The wall-clock time DuckDB printed (a date, a timestamp, or a TIMESTAMPTZ in China time with its offset) as the
 * Date exceljs turns into an Excel serial number (it counts in UTC), or null outside Excel's 1900-03-01 to 9999.
 */
function excelDate(text: string): Date | null {
  const parts = WALL_CLOCK.exec(text);
  if (!parts) return null;
  const [, year, month, day, hours = '0', minutes = '0', seconds = '0', fraction = ''] = parts;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hours), Number(minutes), Number(seconds), ms));
  return date.getTime() >= EXCEL_FIRST_DAY ? date : null;
}

/** A TIME as Excel's fraction of a day. */
function excelTime(text: string): number | null {
  const parts = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$/.exec(text);
  if (!parts) return null;
  const [, hours, minutes, seconds, fraction = '0'] = parts;
  return (Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds) + Number(`0.${fraction}`)) / 86_400;
}

/** What a plain cell would not keep: spaces at either end, characters XML cannot hold, a literal _xHHHH_. */
const NEEDS_INLINE_TEXT = /^\s|\s$|_x[0-9A-Fa-f]{4}_|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]/;
const ESCAPED_IN_OOXML = /_x[0-9A-Fa-f]{4}_|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]/g;

/**
 * Text as a cell value: plain, or (see NEEDS_INLINE_TEXT) an inline rich-text run in OOXML's escaped form, a
 * character XML cannot hold as _xHHHH_ and a literal _xHHHH_ as _x005F_xHHHH_.
 */
function excelText(text: string, column: string): ExcelValue {
  if (text.length > EXCEL_MAX_CELL_TEXT) {
    throw new InputRefused(`a value in column ${column} is longer than an Excel cell holds (${EXCEL_MAX_CELL_TEXT.toLocaleString('en')} characters): use --format csv or parquet`);
  }
  if (!NEEDS_INLINE_TEXT.test(text)) return text;
  const escaped = text.replace(ESCAPED_IN_OOXML, (match) => (match.length > 1 ? `_x005F${match}` : `_x${match.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`));
  return { richText: [{ text: escaped }] };
}
