// Which export files a `load PATH…` names, in which order, and what each holds (table from the name or --table,
// format from the extension), as exports.md "Files" says.
import { readdirSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../errors.ts';
import { printable } from './printable.ts';
import { TABLE_NAMES, type TableName } from '../warehouse/tables.ts';

export type ExportFormat = 'csv' | 'csv.gz' | 'parquet' | 'arrow' | 'jsonl';

export interface ExportFile {
  /** As shown to people and stored in load_log: relative to the working directory when inside it. */
  displayPath: string;
  absolutePath: string;
  table: TableName | null;
  format: ExportFormat | null;
}

const EXTENSIONS: [string, ExportFormat][] = [
  ['.csv.gz', 'csv.gz'],
  ['.csv', 'csv'],
  ['.parquet', 'parquet'],
  ['.arrow', 'arrow'],
  ['.feather', 'arrow'],
  ['.arrows', 'arrow'],
  ['.jsonl', 'jsonl'],
  ['.ndjson', 'jsonl'],
];

function formatOf(fileName: string): ExportFormat | null {
  const lower = fileName.toLowerCase();
  return EXTENSIONS.find(([ext]) => lower.endsWith(ext))?.[1] ?? null;
}

// Workbooks of Excel, LibreOffice and WPS. Not read: Excel has already turned 18-digit identity numbers into
// 1.23457E+17 and dropped leading zeros of codes before the file reaches us, so the CSV it saves is asked for instead.
const SPREADSHEET_EXTENSIONS = ['.xlsx', '.xlsm', '.xlsb', '.xls', '.ods', '.et'];

function isSpreadsheet(fileName: string): boolean {
  const lower = fileName.toLowerCase();
  return SPREADSHEET_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** Why a file with no export extension is refused: one line, telling what to do with a spreadsheet. */
export function notAnExportReason(fileName: string): string {
  if (isSpreadsheet(fileName)) {
    const ext = fileName.slice(fileName.lastIndexOf('.')).toLowerCase();
    return `a spreadsheet (${ext}), not an export: save it as CSV UTF-8 (Excel: File > Save As > CSV UTF-8) and load the .csv`;
  }
  return 'not an export file: the extension is none of .csv, .csv.gz, .parquet, .arrow, .feather, .arrows, .jsonl, .ndjson';
}

/** The table a `--table NAME` names (any letter case); anything else is a usage error listing the tables. */
export function tableNamed(name: string): TableName {
  const table = TABLE_NAMES.find((t) => t === name.trim().toLowerCase());
  if (!table) throw new UsageError(`--table ${printable(name)}: no such table; the tables are ${TABLE_NAMES.join(', ')}`);
  return table;
}

/** The longest table name the file name starts with (case-insensitive), so `blood_points…` is not read as another. */
function tableOf(fileName: string): TableName | null {
  const lower = fileName.toLowerCase();
  const matches = TABLE_NAMES.filter((t) => lower.startsWith(t));
  return matches.sort((a, b) => b.length - a.length)[0] ?? null;
}

export interface Expansion {
  files: ExportFile[];
  /** Folders that held no export file, and files inside folders that are not exports: reported, not errors. */
  notes: string[];
}

/**
 * Expands the command's paths: files as given, folders recursively in path name order. A missing path is a usage
 * error. `table` (from --table) is the table of every file, whatever its name says. Spreadsheets in a folder are
 * listed (and refused when loaded), not skipped: they are exports saved in the wrong format.
 */
export function expandPaths(paths: string[], cwd = process.cwd(), table: TableName | null = null): Expansion {
  const files: ExportFile[] = [];
  const notes: string[] = [];
  for (const given of paths) {
    const absolute = resolve(cwd, given);
    let stats;
    try {
      stats = statSync(absolute);
    } catch {
      throw new UsageError(`${printable(given)}: no such file or folder`);
    }
    if (stats.isDirectory()) {
      const special: string[] = [];
      const found = walk(absolute, special).sort(byPathName);
      const listed = (f: string) => formatOf(basename(f)) !== null || isSpreadsheet(basename(f));
      const exports = found.filter(listed);
      for (const f of found) if (!listed(f)) notes.push(`${printable(display(f, cwd))}: not an export file (skipped)`);
      for (const f of special.sort(byPathName)) notes.push(`${printable(display(f, cwd))}: not a regular file (skipped)`);
      if (exports.length === 0) notes.push(`${printable(display(absolute, cwd))}: no export file in this folder`);
      files.push(...exports.map((f) => describe(f, cwd, table)));
    } else {
      files.push(describe(absolute, cwd, table));
    }
  }
  return { files, notes };
}

function describe(absolutePath: string, cwd: string, table: TableName | null): ExportFile {
  const name = basename(absolutePath);
  return { displayPath: display(absolutePath, cwd), absolutePath, table: table ?? tableOf(name), format: formatOf(name) };
}

function display(absolutePath: string, cwd: string): string {
  const rel = relative(cwd, absolutePath);
  return rel && !rel.startsWith('..') && !rel.startsWith(sep) ? rel : absolutePath;
}

/** Regular files under `folder`; FIFOs, devices and sockets go to `special` (never opened). Links are not followed. */
function walk(folder: string, special: string[]): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...walk(full, special));
    else if (entry.isFile()) out.push(full);
    else if (entry.isFIFO() || entry.isCharacterDevice() || entry.isBlockDevice() || entry.isSocket()) special.push(full);
  }
  return out;
}

// "A folder's files in name order": plain code-unit order of the path, the same on every machine and locale.
function byPathName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
