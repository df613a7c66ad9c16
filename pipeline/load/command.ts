// The `load` command's face: reads the environment (clock, key), shows progress on stderr and the per-file
// summary table on stdout. Returns the one-line reasons of the rejected files.
import { currentTime } from '../dates.ts';
import { displayWidth, padToWidth } from '../text-width.ts';
import { loadExports, readHmacKey, type FileResult } from './load.ts';
import { printable } from './printable.ts';

export interface LoadCommandOptions {
  dbPath: string;
  paths: string[];
}

export async function runLoad(options: LoadCommandOptions, env = process.env): Promise<string[]> {
  const now = currentTime(env);
  const hmacKey = readHmacKey(env);
  const progress = progressPrinter();
  const report = await loadExports({
    dbPath: options.dbPath,
    paths: options.paths,
    now,
    hmacKey,
    log: (line) => {
      progress.clear();
      process.stderr.write(`${printable(line)}\n`);
    },
    onProgress: progress.update,
  });
  progress.clear();
  if (!hmacKey && report.results.some((r) => r.outcome === 'loaded' && (r.table === 'persons' || r.table === 'suspects'))) {
    process.stderr.write('note: no BULLETIN_PII_KEY or BULLETIN_PII_KEY_FILE: identity numbers were dropped, not hashed\n');
  }
  if (report.results.length > 0) process.stdout.write(summaryTable(report.results));
  if (report.snapshot) process.stderr.write(`published snapshot ${report.snapshot}\n`);
  return report.results.filter((r) => r.outcome === 'rejected').map((r) => `${printable(r.file)}: rejected: ${printable(r.reason ?? '')}`);
}

/** A counter on a terminal (rewritten in place), a plain line every 10 s otherwise. */
function progressPrinter() {
  const tty = process.stderr.isTTY;
  let shown = false;
  let lastPlain = 0;
  return {
    update(file: string, fraction: number) {
      const text = `${printable(file)}: ${(fraction * 100).toFixed(0)}%`;
      if (tty) {
        process.stderr.write(`\r${text}\x1b[K`);
        shown = true;
      } else if (Date.now() - lastPlain > 10_000) {
        process.stderr.write(`${text}\n`);
        lastPlain = Date.now();
      }
    },
    clear() {
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

function summaryTable(results: FileResult[]): string {
  const header = ['file', 'table', 'rows', 'stored', 'quarantined', 'stale', 'superseded', 'outcome'];
  const rows = results.map((r) => [
    printable(r.file),
    r.table ?? '-',
    num(r.rowsRead),
    num(r.rowsStored),
    num(r.rowsQuarantined),
    num(r.rowsStale),
    num(r.rowsSuperseded),
    r.outcome === 'rejected' ? `rejected: ${printable(r.reason ?? '')}` : r.outcome,
  ]);
  const numeric = new Set([2, 3, 4, 5, 6]);
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((row) => displayWidth(row[i]))));
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : padToWidth(cell, widths[i], numeric.has(i))))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)].join('\n') + '\n';
}

function num(value: number | undefined): string {
  return value === undefined ? '-' : String(value);
}

