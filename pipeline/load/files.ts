// Which export files a `load PATH…` names, in which order, and what each holds (table from the name, format from
// the extension), as exports.md "Files" says.
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

export function formatOf(fileName: string): ExportFormat | null {
  const lower = fileName.toLowerCase();
  return EXTENSIONS.find(([ext]) => lower.endsWith(ext))?.[1] ?? null;
}

/** The longest table name the file name starts with (case-insensitive), so `blood_points…` is not read as another. */
export function tableOf(fileName: string): TableName | null {
  const lower = fileName.toLowerCase();
  const matches = TABLE_NAMES.filter((t) => lower.startsWith(t));
  return matches.sort((a, b) => b.length - a.length)[0] ?? null;
}

export interface Expansion {
  files: ExportFile[];
  /** Folders that held no export file, and files inside folders that are not exports: reported, not errors. */
  notes: string[];
}

/** Expands the command's paths: files as given, folders recursively in path name order. A missing path is a usage error. */
export function expandPaths(paths: string[], cwd = process.cwd()): Expansion {
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
      const exports = found.filter((f) => formatOf(basename(f)) !== null);
      for (const f of found) if (formatOf(basename(f)) === null) notes.push(`${printable(display(f, cwd))}: not an export file (skipped)`);
      for (const f of special.sort(byPathName)) notes.push(`${printable(display(f, cwd))}: not a regular file (skipped)`);
      if (exports.length === 0) notes.push(`${printable(display(absolute, cwd))}: no export file in this folder`);
      files.push(...exports.map((f) => describe(f, cwd)));
    } else {
      files.push(describe(absolute, cwd));
    }
  }
  return { files, notes };
}

function describe(absolutePath: string, cwd: string): ExportFile {
  const name = basename(absolutePath);
  return { displayPath: display(absolutePath, cwd), absolutePath, table: tableOf(name), format: formatOf(name) };
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
