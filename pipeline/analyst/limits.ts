// The light part of `bulletin sql`'s options, shared by the command (which loads neither DuckDB nor the Arrow and
// Parquet writers, so it starts fast and stays small while it watches the engine) and the engine: the output
// formats by name and file extension, and the time and memory limits with their one-line messages.
import { extname } from 'node:path';

export const FORMATS = ['table', 'csv', 'json', 'arrow', 'parquet', 'xlsx'] as const;
export type Format = (typeof FORMATS)[number];

/** Formats that are files for a program, never text for a terminal. */
export const BINARY_FORMATS: readonly Format[] = ['arrow', 'parquet', 'xlsx'];

const FORMAT_OF_EXTENSION: Record<string, Format> = {
  '.csv': 'csv',
  '.json': 'json',
  '.arrow': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
  '.parquet': 'parquet',
  '.xlsx': 'xlsx',
};

/** The format a file name implies (.csv .json .arrow/.feather/.ipc .parquet .xlsx), for `--out x.parquet` without --format. */
export function formatOfFile(file: string): Format | null {
  return FORMAT_OF_EXTENSION[extname(file).toLowerCase()] ?? null;
}

/** How long a stopped query may take to answer DuckDB's interrupt before the process is ended instead. */
export const STOP_GRACE_MS = 2000;

/**
 * The resident memory a `bulletin sql` process may use beyond its memory limit: the engine process of
 * `bulletin sql "SELECT 1"` peaks at about 145 MB (node, tsx, DuckDB's code and catalog), the rest is headroom for a
 * chunk of results being formatted and for DuckDB's own memory outside its buffer manager.
 */
export const RSS_ALLOWANCE_BYTES = 256 * 1024 * 1024;

/** The one line of a query stopped at the time limit (also printed when the process had to be ended). */
export function timeLimitMessage(timeoutMs: number): string {
  return `query cancelled after ${Number((timeoutMs / 1000).toFixed(3))} s (the query time limit; BULLETIN_SQL_TIMEOUT or --timeout)`;
}

/** The one line of a query stopped for memory. */
export function memoryLimitMessage(memoryLimit: string): string {
  return `query needs more memory than the limit (memory_limit ${memoryLimit}; BULLETIN_SQL_MEMORY or --memory-limit)`;
}

/** The process RSS cap of a memory limit: the limit plus RSS_ALLOWANCE_BYTES. */
export function rssCapOf(memoryLimit: string): number {
  return byteSize(memoryLimit) + RSS_ALLOWANCE_BYTES;
}

/** '1GB', '512MB', '2GiB' as DuckDB reads them (KB = 1000, KiB = 1024). */
export function byteSize(limit: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B)?\s*$/i.exec(limit);
  if (!match) return Number.POSITIVE_INFINITY;
  const unit = (match[2] ?? 'B').toUpperCase();
  const power = 'BKMGT'.indexOf(unit[0]);
  const base = unit.includes('I') ? 1024 : 1000;
  return Number(match[1]) * base ** Math.max(0, power);
}
