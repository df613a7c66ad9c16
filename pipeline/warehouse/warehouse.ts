// The warehouse's connection to DuckDB (the API loaded by duckdb.ts; the analysts' sandbox opens its own). Opens the
// warehouse file (waiting for another writer's lock), keeps the session settings every connection needs (China
// Standard Time, bounded memory), converts result rows to plain JS values, and is the one place that quotes
// identifiers and literals.
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.ts';
import { duckdbMessage } from './messages.ts';
import { duckdb } from './duckdb.ts';

export const { blobValue, listValue } = duckdb;
const { dateValue, quotedIdentifier, quotedString } = duckdb;
export type SqlParams = Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

export const quoteIdent = quotedIdentifier;
export const quoteLiteral = quotedString;

/** A `YYYY-MM-DD` day bound as a DATE: bound as text, it would be compared with dates as text. */
export function dateParam(isoDate: string): DuckDBValue {
  const [year, month, day] = isoDate.split('-').map(Number);
  return dateValue({ year, month, day });
}

export interface OpenOptions {
  readOnly?: boolean;
  /** How long to wait for another process's lock on the file before giving up. */
  lockWaitMs?: number;
  /** Told once when the file is locked by another process and we start waiting. */
  onWait?: (message: string) => void;
  memoryLimit?: string;
}

export class Warehouse {
  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(path: string, options: OpenOptions = {}): Promise<Warehouse> {
    if (!options.readOnly) mkdirSync(dirname(path), { recursive: true });
    const deadline = Date.now() + (options.lockWaitMs ?? 0);
    let told = false;
    for (;;) {
      try {
        const instance = await duckdb.DuckDBInstance.create(path, {
          access_mode: options.readOnly ? 'READ_ONLY' : 'READ_WRITE',
          // BULLETIN_MEMORY_LIMIT: DuckDB's buffer limit; beyond it, work spills to <db>.tmp/. Peak RSS stays ~0.3 GB above.
          memory_limit: options.memoryLimit ?? process.env.BULLETIN_MEMORY_LIMIT ?? '1GB',
          // Loading never installs or autoloads anything: every extension the project uses is built in.
          autoinstall_known_extensions: 'false',
          autoload_known_extensions: 'false',
        });
        const connection = await instance.connect();
        // China Standard Time is UTC+8 all year; Asia/Shanghai would add the summer time of 1986-1991.
        await connection.run(`SET TimeZone = 'Etc/GMT-8'`);
        // Progress is tracked (for our own progress line) but never printed by DuckDB itself.
        await connection.run(`SET enable_progress_bar = true; SET enable_progress_bar_print = false`);
        return new Warehouse(path, instance, connection);
      } catch (error) {
        const whole = duckdbMessage(error);
        const message = duckdbMessage(error, { firstLine: true });
        const locked = /lock/i.test(whole) && /conflict|could not set lock/i.test(whole);
        if (!locked) throw openError(path, message);
        if (Date.now() >= deadline) throw new UsageError(`${path}: the warehouse is locked by another process (${message})`);
        if (!told) options.onWait?.(`${path}: another load holds the warehouse; waiting for it to finish`);
        told = true;
        await sleep(250);
      }
    }
  }

  /** Runs one statement (or, without params, a script of several) and returns its rows as plain JS values. */
  async all<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params && onlyReferenced(sql, params));
    return reader.getRowObjectsJS().map(plainRow) as T[];
  }

  async run(sql: string, params?: SqlParams): Promise<void> {
    const started = performance.now();
    await this.connection.run(sql, params && onlyReferenced(sql, params));
    // BULLETIN_SQL_TIMINGS=1: how long each statement took, for finding the slow step of a load.
    if (process.env.BULLETIN_SQL_TIMINGS) {
      process.stderr.write(`sql ${((performance.now() - started) / 1000).toFixed(3)} s: ${sql.replace(/\s+/g, ' ').slice(0, 90)}\n`);
    }
  }

  /** Runs `work` in one transaction: all of it is committed, or none of it. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.run('BEGIN TRANSACTION');
    try {
      const result = await work();
      await this.run('COMMIT');
      return result;
    } catch (error) {
      await this.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Fraction done of the statement running on this connection, or -1 when unknown. */
  progress(): number {
    return this.connection.progress.percentage;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** DuckDB refuses a bound name the statement does not use; composed statements use some of a shared set. */
function onlyReferenced(sql: string, params: SqlParams): SqlParams {
  const used = new Set(Array.from(sql.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g), (m) => m[1]));
  return Object.fromEntries(Object.entries(params).filter(([name]) => used.has(name)));
}

/** BIGINT comes back as bigint, which JSON and templates cannot take: convert it here, once. */
function plainRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = plainValue(value);
  return out;
}

function plainValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(plainValue);
  if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    return plainRow(value as Record<string, unknown>);
  }
  return value;
}

function openError(path: string, message: string): Error {
  if (/not a valid DuckDB database file|Unable to open|IO Error/i.test(message)) {
    return new UsageError(`${path}: cannot open the warehouse: ${message}`);
  }
  return new Error(`${path}: ${message}`);
}
