// `bulletin sql`, `bulletin queries`, `bulletin schema`: analysts' SQL on the newest published snapshot, in a
// sandboxed read-only session (pipeline/analyst/sandbox.ts), written out in the format they work with. Writing
// a file is this command's job, never the analyst's SQL's: Parquet and CSV files by DuckDB's own writer (the
// session may write that one file and no other), Arrow from that Parquet (arrow.ts), Excel by exceljs (xlsx.ts),
// table, CSV and JSON on standard output as the rows come (formats.ts). The SQL comes from the argument, --file,
// --query (a saved query with bound parameters), standard input, or the interactive shell (shell.ts).
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { InputRefused, UsageError, exitCodeOf, oneLine } from '../errors.ts';
import { AtomicFileWriter, commitPartialFile } from '../files.ts';
// Only types of the sandbox and the formats here: the command that watches the engine loads neither DuckDB nor the
// Arrow, Parquet and Excel writers (the engine imports them when it runs the query).
import type { SandboxOptions } from './sandbox.ts';
import { BINARY_FORMATS, FORMATS, formatOfFile, rssCapOf, type Format } from './limits.ts';
import { bindSavedParams, savedQueries, savedQuery } from './saved.ts';
import { checkedOutTarget } from './target.ts';

export interface SqlCommandOptions {
  dbPath: string;
  sql?: string;
  file?: string;
  query?: string;
  param?: string[];
  format?: string;
  out?: string;
  bom?: boolean;
  timeout?: string;
  memoryLimit?: string;
  interactive?: boolean;
  /** With --out: replace an existing file. */
  force?: boolean;
}

const DEFAULT_TIMEOUT_SECONDS = 60;
const DEFAULT_MEMORY_LIMIT = '1GB';

/** --timeout, else BULLETIN_SQL_TIMEOUT, else 60 s; --memory-limit, else BULLETIN_SQL_MEMORY, else 1GB. */
export function sandboxOptions(options: { timeout?: string; memoryLimit?: string }, env = process.env): SandboxOptions {
  const timeout = options.timeout ?? env.BULLETIN_SQL_TIMEOUT ?? String(DEFAULT_TIMEOUT_SECONDS);
  const seconds = Number(timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`query time limit '${timeout}' is not a number of seconds above 0 (--timeout, BULLETIN_SQL_TIMEOUT)`);
  const memoryLimit = options.memoryLimit ?? env.BULLETIN_SQL_MEMORY ?? DEFAULT_MEMORY_LIMIT;
  if (!/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) {
    throw new UsageError(`memory limit '${memoryLimit}' is not a size like 512MB or 2GB (--memory-limit, BULLETIN_SQL_MEMORY)`);
  }
  return { timeoutMs: Math.round(seconds * 1000), memoryLimit };
}

/**
 * The format of the result: --format, else the one --out's extension names, else table. No format writes another:
 * an extension that names a different format than --format, or that names none without --format, is an error.
 */
function checkedFormat(format: string | undefined, out: string | undefined): Format {
  const implied = out === undefined ? null : formatOfFile(out);
  if (format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format '${format}' is not one of ${FORMATS.join(', ')}`);
    if (implied !== null && implied !== format) throw new UsageError(`--out ${out} names a ${implied} file, but --format is ${format}: give the file the extension of its format`);
    return format as Format;
  }
  if (out !== undefined && implied === null) {
    throw new UsageError(`--out ${out}: the extension names no format (.csv .json .parquet .arrow .xlsx); give one, or --format`);
  }
  return implied ?? 'table';
}

/**
 * `bulletin sql`: checks the arguments and the --out path, then runs the query (or the shell) in an engine process
 * it watches (analyst/engine.ts): the time limit counts from the command's start, and a query that neither answers
 * DuckDB's interrupt nor stays within memory is ended with the process. Never returns: the process exits with the
 * engine's status.
 */
export async function runSql(options: SqlCommandOptions): Promise<void> {
  const sources = [options.sql !== undefined, options.file !== undefined, options.query !== undefined].filter(Boolean).length;
  if (sources > 1) throw new UsageError('give the SQL one way: as the argument, --file or --query');
  if (options.param?.length && options.query === undefined) throw new UsageError('--param goes with --query NAME');
  const format = checkedFormat(options.format, options.out);
  const limits = sandboxOptions(options);
  const interactive = Boolean(options.interactive) || (sources === 0 && process.stdin.isTTY === true);
  if (options.force && !options.out) throw new UsageError('--force goes with --out FILE');
  const out = options.out && !interactive ? checkedOutTarget(options.out, options.dbPath, Boolean(options.force)) : undefined;
  if (!interactive && !out && BINARY_FORMATS.includes(format) && process.stdout.isTTY) {
    throw new UsageError(`--format ${format} is binary: give --out FILE, or redirect standard output`);
  }
  const { superviseEngine } = await import('./engine.ts');
  // The command started when the process did: a slow start, a slow stdin or a slow open all count.
  const deadline = interactive ? null : performance.timeOrigin + limits.timeoutMs;
  await superviseEngine({ options, outPath: out, format, limits, interactive, deadline });
}

/** What the engine process is asked to do (checked arguments; sent over the IPC channel). */
export interface EngineTask {
  options: SqlCommandOptions;
  format: Format;
  limits: SandboxOptions;
  interactive: boolean;
  /** Date.now() at which a one-shot command's time is up; null for the shell (each query has its own limit). */
  deadline: number | null;
  /** --out, checked and absolute. */
  outPath?: string;
  /** The temporary name of --out, chosen by the supervisor so it can remove it if it has to end the engine. */
  partial?: string;
  /**
   * A file the engine may write on the way (the Parquet an Arrow file is made from; a binary result bound for
   * standard output), chosen and removed by the supervisor like `partial`.
   */
  scratch?: string;
}

/**
 * Whether a task writes a file on the way: Arrow is made from Parquet; a CSV file with a byte-order mark gets it
 * before DuckDB's CSV (which has no option for one); Parquet and Excel bound for a pipe go via a file.
 */
export function needsScratch(format: Format, toFile: boolean, bom = false): boolean {
  return format === 'arrow' || (toFile && format === 'csv' && bom) || (!toFile && (format === 'parquet' || format === 'xlsx'));
}

/** In the engine process: the command itself. Returns the exit status; errors are printed here, on one line. */
export async function runTask(task: EngineTask, watch: Pick<SandboxOptions, 'onStuck' | 'onQueryStart' | 'onQueryEnd'>): Promise<number> {
  const limits: SandboxOptions = { ...task.limits, ...watch, rssCap: rssCapOf(task.limits.memoryLimit) };
  if (task.interactive) {
    const { runShell } = await import('./shell.ts');
    await runShell({ dbPath: task.options.dbPath, limits, format: task.format });
    return 0;
  }
  try {
    if (task.deadline !== null) limits.deadline = task.deadline;
    await runOneShot(task, limits);
    return 0;
  } catch (error) {
    if (error instanceof OutputClosed) return 0;
    process.stderr.write(`bulletin: ${oneLine(error)}\n`);
    return exitCodeOf(error);
  }
}

/** Standard output was closed by its reader: the query stops, nothing more is said. */
class OutputClosed extends InputRefused {}

async function runOneShot(task: EngineTask, limits: SandboxOptions): Promise<void> {
  const { options, format, outPath, partial, scratch } = task;
  let sql: string;
  let params: Record<string, string | number> = {};
  if (options.query !== undefined) {
    const saved = savedQuery(options.query);
    sql = saved.sql;
    params = bindSavedParams(saved, options.param ?? []);
  } else if (options.file !== undefined) {
    sql = readSqlFile(options.file);
  } else if (options.sql !== undefined) {
    sql = options.sql;
  } else {
    sql = readFileSync(0, 'utf8');
  }
  if (sql.trim() === '') throw new UsageError('no SQL given');
  // The one file DuckDB itself may write: the result for Parquet and CSV files, else the file on the way.
  const duckdbWrites = format === 'arrow' || format === 'parquet' || (format === 'csv' && outPath !== undefined);
  const duckdbFile = !duckdbWrites ? undefined : scratch ?? partial;
  const { AnalystSession } = await import('./sandbox.ts');
  const session = await AnalystSession.open(options.dbPath, { ...limits, writableFile: duckdbFile });
  // A reader that stopped reading (`| head`) ends the query quietly, as for any command in a pipe.
  let closed = false;
  process.stdout.on('error', () => (closed = true));
  const toStdout = (bytes: Uint8Array) => {
    if (closed) throw new OutputClosed('standard output was closed');
    try {
      process.stdout.write(bytes);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') throw new OutputClosed('standard output was closed');
      throw error;
    }
  };
  let file: AtomicFileWriter | undefined;
  try {
    let rows: number;
    let seconds: number;
    if (duckdbWrites) {
      ({ rows, seconds } = await session.copy(sql, params, { path: duckdbFile!, format: format === 'csv' ? 'csv' : 'parquet' }));
      if (format === 'arrow') {
        const { writeArrowFromParquet } = await import('./arrow.ts');
        if (outPath) file = new AtomicFileWriter(outPath, partial);
        const target = file;
        await writeArrowFromParquet(scratch!, target ? (bytes) => target.write(bytes) : toStdout);
      } else if (!outPath) copyFileTo(scratch!, toStdout);
      else if (scratch) {
        // A byte-order mark, then DuckDB's CSV as it is.
        const target = (file = new AtomicFileWriter(outPath, partial));
        target.write(Buffer.from('\ufeff', 'utf8'));
        copyFileTo(scratch, (bytes) => target.write(bytes));
      }
    } else if (format === 'xlsx') {
      const { xlsxWriter } = await import('./xlsx.ts');
      const workbook = xlsxWriter(outPath ? partial! : scratch!);
      ({ rows, seconds } = await session.stream(sql, params, workbook));
      workbook.end(seconds);
      await workbook.finished();
      if (!outPath) copyFileTo(scratch!, toStdout);
    } else {
      // Written as it comes: CSV and JSON chunk by chunk, the table keeping only the rows it shows.
      const { streamingWriter } = await import('./formats.ts');
      if (outPath) file = new AtomicFileWriter(outPath, partial);
      const target = file;
      const width = !target && process.stdout.isTTY ? process.stdout.columns : undefined;
      const writer = streamingWriter(format as 'table' | 'csv' | 'json', { bom: options.bom, width }, target ? (bytes) => target.write(bytes) : toStdout);
      ({ rows, seconds } = await session.stream(sql, params, writer));
      writer.end(seconds);
    }
    if (outPath) {
      try {
        if (file) file.commit(Boolean(options.force));
        else commitPartialFile(partial!, outPath, Boolean(options.force));
        file = undefined;
      } catch (error) {
        const exists = (error as NodeJS.ErrnoException).code === 'EEXIST';
        throw new UsageError(`${options.out}: cannot write: ${exists ? 'a file appeared there meanwhile (give --force to replace it)' : oneLine(error)}`);
      }
      process.stderr.write(`${rows} row${rows === 1 ? '' : 's'} in ${seconds.toFixed(2)} s from snapshot ${session.snapshotId}: ${options.out} (${format})\n`);
    }
  } finally {
    file?.abort();
    session.close();
  }
}

/** The bytes of `path` through `write`, 1 MiB at a time (a Parquet or Excel file bound for standard output). */
function copyFileTo(path: string, write: (bytes: Uint8Array) => void): void {
  const descriptor = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (let read = readSync(descriptor, buffer); read > 0; read = readSync(descriptor, buffer)) write(buffer.subarray(0, read));
  } finally {
    closeSync(descriptor);
  }
}

function readSqlFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read the SQL file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** `bulletin queries`: each saved query with its title, description and parameters. */
export function listSavedQueries(json: boolean): string {
  const queries = savedQueries();
  if (json) return JSON.stringify(queries.map(({ sql: _sql, file: _file, ...rest }) => rest), null, 2) + '\n';
  return queries
    .map((q) => {
      const params = q.params.map((p) => `    --param ${p.name}=${p.type === 'date' ? 'YYYY-MM-DD' : p.type.toUpperCase()}${p.default !== null ? ` (default ${p.default})` : ' (required)'}${p.description ? `  ${p.description}` : ''}`);
      return [`${q.name}: ${q.title}`, `    ${q.description}`, ...params].join('\n');
    })
    .join('\n\n') + '\n';
}

/** `bulletin schema`: every table and view of the snapshot, each column with its type and comment. */
export async function describeSchema(dbPath: string, json: boolean, limits: SandboxOptions): Promise<string> {
  const { AnalystSession } = await import('./sandbox.ts');
  const session = await AnalystSession.open(dbPath, limits);
  try {
    const tables = await session.tables();
    const columns = await session.columns();
    if (json) return JSON.stringify({ snapshot: session.snapshotId, tables: tables.map((t) => ({ ...t, columns: columns.filter((c) => c.table === t.name) })) }, null, 2) + '\n';
    const lines = [`snapshot ${session.snapshotId}`];
    for (const table of tables) {
      lines.push('', `${table.name} (${table.kind})${table.comment ? `: ${table.comment}` : ''}`);
      const own = columns.filter((c) => c.table === table.name);
      const nameWidth = Math.max(0, ...own.map((c) => c.name.length));
      const typeWidth = Math.max(0, ...own.map((c) => c.type.length));
      for (const c of own) lines.push(`  ${c.name.padEnd(nameWidth)}  ${c.type.padEnd(typeWidth)}  ${c.comment ?? ''}`.trimEnd());
    }
    return lines.join('\n') + '\n';
  } finally {
    session.close();
  }
}
