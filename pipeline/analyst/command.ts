// `bulletin sql`, `bulletin queries`, `bulletin schema`: analysts' SQL on the newest published snapshot, in a
// sandboxed read-only session (pipeline/warehouse/sandbox.ts), written out in the format they work with
// (formats.ts). Writing a file is this command's job, never SQL's. The SQL comes from the argument, --file,
// --query (a saved query with bound parameters), standard input, or the interactive shell (shell.ts).
import { readFileSync } from 'node:fs';
import { InputRefused, UsageError, exitCodeOf, oneLine } from '../errors.ts';
import { AtomicFileWriter } from '../files.ts';
// Only types of the sandbox and the formats here: the command that watches the engine loads neither DuckDB nor the
// Arrow and Parquet writers (the engine imports them when it runs the query).
import type { SandboxOptions } from '../warehouse/sandbox.ts';
import { FORMATS, formatOfFile, rssCapOf, type Format } from './limits.ts';
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

export const DEFAULT_TIMEOUT_SECONDS = 60;
export const DEFAULT_MEMORY_LIMIT = '1GB';

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

export function checkedFormat(format: string | undefined, out: string | undefined): Format {
  if (format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format '${format}' is not one of ${FORMATS.join(', ')}`);
    return format as Format;
  }
  return (out && formatOfFile(out)) || 'table';
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
  if (!interactive && !out && (format === 'arrow' || format === 'parquet') && process.stdout.isTTY) {
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
}

/** In the engine process: the command itself. Returns the exit status; errors are printed here, on one line. */
export async function runTask(task: EngineTask, watch: Pick<SandboxOptions, 'onStuck' | 'onQueryStart' | 'onQueryEnd'>): Promise<number> {
  const limits: SandboxOptions = { ...task.limits, ...watch, rssCap: rssCapOf(task.limits.memoryLimit) };
  if (task.interactive) {
    const { runShell } = await import('./shell.ts');
    await runShell({ dbPath: task.options.dbPath, limits, format: task.format });
    return 0;
  }
  let file: AtomicFileWriter | undefined;
  try {
    if (task.deadline !== null) limits.deadline = task.deadline;
    await runOneShot(task, limits, (target) => (file = new AtomicFileWriter(target, task.partial)));
    return 0;
  } catch (error) {
    file?.abort();
    if (error instanceof OutputClosed) return 0;
    process.stderr.write(`bulletin: ${oneLine(error)}\n`);
    return exitCodeOf(error);
  }
}

/** Standard output was closed by its reader: the query stops, nothing more is said. */
class OutputClosed extends InputRefused {}

async function runOneShot(task: EngineTask, limits: SandboxOptions, openFile: (target: string) => AtomicFileWriter): Promise<void> {
  const { options, format } = task;
  let sql: string;
  let params: Record<string, string | number> | undefined;
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
  const [{ AnalystSession }, { formatResult, streamingWriter }] = await Promise.all([import('../warehouse/sandbox.ts'), import('./formats.ts')]);
  const session = await AnalystSession.open(options.dbPath, limits);
  try {
    const file = task.outPath ? openFile(task.outPath) : undefined;
    // A reader that stopped reading (`| head`) ends the query quietly, as for any command in a pipe.
    let closed = false;
    process.stdout.on('error', () => (closed = true));
    const write = (bytes: Uint8Array) => {
      if (file) return file.write(bytes);
      if (closed) throw new OutputClosed('standard output was closed');
      process.stdout.write(bytes);
    };
    let rows: number;
    let seconds: number;
    if (format === 'arrow' || format === 'parquet') {
      // Their writers need the whole table: gathered, held to the memory limit (and the process to its RSS cap).
      const result = await session.query(sql, params);
      write(formatResult(result, format));
      ({ seconds } = result);
      rows = result.rows.length;
    } else {
      // Written as it comes: CSV and JSON chunk by chunk, the table keeping only the rows it shows.
      const width = !file && process.stdout.isTTY ? process.stdout.columns : undefined;
      const writer = streamingWriter(format, { bom: options.bom, width }, write);
      ({ rows, seconds } = await session.stream(sql, params ?? {}, writer));
      writer.end(seconds);
    }
    if (file) {
      try {
        file.commit(Boolean(options.force));
      } catch (error) {
        const exists = (error as NodeJS.ErrnoException).code === 'EEXIST';
        throw new UsageError(`${options.out}: cannot write: ${exists ? 'a file appeared there meanwhile (give --force to replace it)' : oneLine(error)}`);
      }
      process.stderr.write(`${rows} row${rows === 1 ? '' : 's'} in ${seconds.toFixed(2)} s from snapshot ${session.snapshotId}: ${options.out} (${format})\n`);
    }
  } finally {
    session.close();
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
  const { AnalystSession } = await import('../warehouse/sandbox.ts');
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
