// What `bulletin load` prints on stdout when it is done: the per-file table, within 100 columns, and a one-line total.
import { charWidth, displayWidth, padToWidth } from '../text-width.ts';
import type { FileResult } from './load.ts';
import { printable } from './printable.ts';

/** The table fits this many columns (or the terminal, when narrower). */
export const SUMMARY_WIDTH = 100;
const ELLIPSIS = '…';
const GAP = '  ';
/** A file name is never shortened below this, even when the numbers leave less room. */
const MIN_FILE_WIDTH = 16;

/**
 * One line per file: file, table, rows read, stored, quarantined, outdated (stale: older than the stored version,
 * plus superseded: a later row of the same file won; the line on stderr and load_log count them apart), outcome.
 * A long file name keeps its own name and loses the middle of its folders; a rejection's reason follows on a line
 * of its own, cut to the width (the whole reason is on stderr).
 */
export function summaryTable(results: FileResult[], width = SUMMARY_WIDTH): string {
  const header = ['file', 'table', 'rows', 'stored', 'quarantined', 'outdated', 'outcome'];
  const numeric = new Set([2, 3, 4, 5]);
  const rows = results.map((r) => [
    printable(r.file),
    r.table ?? '-',
    num(r.rowsRead),
    num(r.rowsStored),
    num(r.rowsQuarantined),
    r.rowsStale === undefined ? '-' : String(r.rowsStale + (r.rowsSuperseded ?? 0)),
    r.outcome,
  ]);
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((row) => displayWidth(row[i]))));
  const others = widths.slice(1).reduce((sum, w) => sum + w, 0) + GAP.length * (header.length - 1);
  const fileRoom = Math.max(MIN_FILE_WIDTH, width - others);
  for (const row of rows) row[0] = shortenPath(row[0], fileRoom);
  widths[0] = Math.max(displayWidth(header[0]), ...rows.map((row) => displayWidth(row[0])));
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : padToWidth(cell, widths[i], numeric.has(i))))
      .join(GAP)
      .trimEnd();
  const lines = [format(header)];
  results.forEach((r, i) => {
    lines.push(format(rows[i]));
    if (r.outcome === 'rejected') lines.push(shortenEnd(`  ${printable(r.reason ?? '')}`, width));
  });
  return `${lines.join('\n')}\n`;
}

/** `total: 3 files (1 rejected), 10475 rows read, 10467 stored, 8 quarantined, 12.4 s, 845 rows/s`. */
export function totalLine(results: FileResult[], seconds: number): string {
  const count = (outcome: FileResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
  const sum = (pick: (r: FileResult) => number | undefined) => results.reduce((total, r) => total + (pick(r) ?? 0), 0);
  const kinds = [
    [count('rejected'), 'rejected'],
    [count('already loaded'), 'already loaded'],
  ].filter(([n]) => n) as [number, string][];
  const files = `${results.length} file${results.length === 1 ? '' : 's'}${kinds.length ? ` (${kinds.map(([n, what]) => `${n} ${what}`).join(', ')})` : ''}`;
  const rowsRead = sum((r) => r.rowsRead);
  const parts = [files, `${rowsRead} rows read`, `${sum((r) => r.rowsStored)} stored`, `${sum((r) => r.rowsQuarantined)} quarantined`, `${seconds.toFixed(1)} s`];
  if (rowsRead > 0 && seconds > 0) parts.push(`${Math.round(rowsRead / seconds)} rows/s`);
  return `total: ${parts.join(', ')}\n`;
}

/**
 * A path within `width` columns: the file's own name whole where it fits, the folders in the middle left out
 * (`test/…/batch1/alerts-2021-08.csv`): its first folder and as many of the last ones as fit are kept.
 */
export function shortenPath(path: string, width: number): string {
  if (displayWidth(path) <= width) return path;
  const parts = path.split('/');
  const name = parts.pop()!;
  // The first folder: `test/`, or `/tmp/` of an absolute path.
  const rootCount = path.startsWith('/') ? 2 : 1;
  const first = parts.length > rootCount ? `${parts.splice(0, rootCount).join('/')}/` : '';
  let kept = `${ELLIPSIS}/${name}`;
  if (displayWidth(kept) > width) return shortenMiddle(name, width);
  if (displayWidth(first + kept) <= width) kept = first + kept;
  const head = kept.slice(0, kept.indexOf(ELLIPSIS) + 1);
  let tail = kept.slice(head.length);
  while (parts.length > 0 && displayWidth(`${head}/${parts.at(-1)}${tail}`) <= width) tail = `/${parts.pop()}${tail}`;
  return head + tail;
}

/** A text within `width` columns: its start and end kept, the middle replaced by "…". */
export function shortenMiddle(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  const room = Math.max(0, width - displayWidth(ELLIPSIS));
  const head = takeWidth(text, Math.ceil(room / 2));
  const tail = takeWidthFromEnd(text, room - displayWidth(head));
  return `${head}${ELLIPSIS}${tail}`;
}

/** A text within `width` columns, cut at the end with "…". */
function shortenEnd(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  return `${takeWidth(text, Math.max(0, width - displayWidth(ELLIPSIS)))}${ELLIPSIS}`;
}

function takeWidth(text: string, width: number): string {
  let used = 0;
  let out = '';
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0)!);
    if (used + w > width) break;
    used += w;
    out += ch;
  }
  return out;
}

function takeWidthFromEnd(text: string, width: number): string {
  const chars = Array.from(text);
  let used = 0;
  let start = chars.length;
  while (start > 0) {
    const w = charWidth(chars[start - 1].codePointAt(0)!);
    if (used + w > width) break;
    used += w;
    start--;
  }
  return chars.slice(start).join('');
}

function num(value: number | undefined): string {
  return value === undefined ? '-' : String(value);
}
