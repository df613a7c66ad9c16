// The `load` command's face: reads the environment (clock, key), shows progress on stderr (progress.ts), the per-file
// summary table and a one-line total on stdout (report.ts). Returns the one-line reasons of the rejected files.
import { currentTime } from '../dates.ts';
import { tableNamed } from './files.ts';
import { loadExports, readHmacKey } from './load.ts';
import { printable } from './printable.ts';
import { PhaseClock } from './phases.ts';
import { progressDisplay } from './progress.ts';
import { SUMMARY_WIDTH, summaryTable, totalLine } from './report.ts';

export interface LoadCommandOptions {
  dbPath: string;
  paths: string[];
  /** --table NAME: the table of every file given, for files whose name does not say it. */
  table?: string;
}

export async function runLoad(options: LoadCommandOptions, env = process.env): Promise<string[]> {
  const started = Date.now();
  const table = options.table === undefined ? null : tableNamed(options.table);
  const now = currentTime(env);
  const hmacKey = readHmacKey(env);
  const progress = progressDisplay(process.stderr);
  const phases = env.BULLETIN_LOAD_PHASES === '1' ? new PhaseClock() : undefined;
  let report;
  try {
    report = await loadExports({
      dbPath: options.dbPath,
      paths: options.paths,
      table,
      now,
      hmacKey,
      log: (line) => {
        progress.clear();
        process.stderr.write(`${printable(line)}\n`);
      },
      onProgress: progress.update,
      phases,
    });
  } finally {
    progress.stop();
  }
  if (!hmacKey && report.results.some((r) => r.outcome === 'loaded' && (r.table === 'persons' || r.table === 'suspects'))) {
    process.stderr.write('note: no BULLETIN_PII_KEY or BULLETIN_PII_KEY_FILE: identity numbers were dropped, not hashed\n');
  }
  if (report.snapshot) process.stderr.write(`published snapshot ${report.snapshot}\n`);
  if (phases) process.stderr.write(`${phases.line()}\n`);
  if (report.results.length > 0) {
    const width = process.stdout.isTTY && process.stdout.columns ? Math.min(SUMMARY_WIDTH, process.stdout.columns) : SUMMARY_WIDTH;
    process.stdout.write(summaryTable(report.results, width));
    process.stdout.write(totalLine(report.results, (Date.now() - started) / 1000));
  }
  return report.results.filter((r) => r.outcome === 'rejected').map((r) => `${printable(r.file)}: rejected: ${printable(r.reason ?? '')}`);
}
